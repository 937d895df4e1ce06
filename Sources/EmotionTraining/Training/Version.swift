// The version of `emotion`, printed by `emotion --version` and recorded in every saved model.

public enum EmotionVersion {
    public static let current = "0.1.0"
}
