// Layer: the protocol every layer class conforms to, and the activation choice of Dense/Conv2D.

/// A layer of a `Sequential` model. Shapes passed to and returned by `build` and `outputShape` exclude the
/// batch dimension (Keras's `None`).
public protocol Layer: AnyObject {
    /// The Keras-style unique name (`conv2d`, `dense_1`); also the prefix of the parameter names.
    /// `Sequential` assigns one to layers created without a name, before `build`.
    var name: String { get set }
    /// The Keras class name shown by `Sequential.summary()` (`Conv2D`, `MaxPooling2D`).
    var kerasClassName: String { get }
    /// The layer's parameters in a stable order (empty until `build`).
    var parameters: [Parameter] { get }
    /// Creates the parameters for inputs of `inputShape` (Keras initialisers drawn from `generator`). A layer
    /// that is already built keeps its parameters (as Keras's `built`), so model views can share layers.
    func build(inputShape: [Int], generator: inout SeededGenerator)
    /// The output shape for an input of `inputShape`.
    func outputShape(forInputShape inputShape: [Int]) -> [Int]
    /// The forward pass; records onto `x.tape` when there is one.
    func callAsFunction(_ x: Variable, mode: Mode) -> Variable
}

extension Layer {
    /// The name Keras gives an unnamed layer of this class: its class name in snake case
    /// (`MaxPooling2D` → `max_pooling2d`, `Conv2D` → `conv2d`).
    public var defaultName: String {
        let characters = Array(kerasClassName)
        var result = ""
        for (index, character) in characters.enumerated() {
            if index > 0 && character.isUppercase {
                let next = index + 1 < characters.count ? characters[index + 1] : nil
                if next?.isLowercase == true || characters[index - 1].isLowercase {
                    result.append("_")
                }
            }
            result.append(character)
        }
        return result.lowercased()
    }
}

/// The activation of a Dense or Conv2D layer. `.softmax` is for a final Dense layer; training fuses it into
/// the cross-entropy (see `Sequential.logits`).
public enum Activation: String, Sendable, Codable {
    case linear, relu, softmax

    /// The activation a kernel fuses into its output pass (softmax is applied separately).
    var fused: FusedActivation {
        self == .relu ? .relu : .linear
    }
}
