// Mode: whether a forward pass is training (dropout active) or inference. Passed explicitly, never global.

/// How layers behave in a forward pass: `.training` enables dropout; `.inference` makes it the identity.
public enum Mode: Sendable {
    case training
    case inference
}
