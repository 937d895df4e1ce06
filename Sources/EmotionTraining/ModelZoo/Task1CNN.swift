// The assignment's Task 1 CNN, in two input sizes: task1-small (100×100×3) and task1-large (224×224×3).

import EmotionNN

/// Conv2D(32, 3×3, relu) → MaxPool(2) → Dropout(0.2) → Conv2D(64, 3×3, relu) → MaxPool(2) → Dropout(0.3) →
/// Flatten → Dense(128, relu) → Dropout(0.5) → Dense(classes, softmax), valid padding, exactly as the Keras
/// model, so parameter names and layouts map 1:1 (NHWC flatten order, HWIO and [in, out] kernels).
public enum Task1CNN {
    /// Builds the network for `inputSize`×`inputSize`×3 images and `classes` outputs, initialised from `seed`.
    public static func make(inputSize: Int, classes: Int, seed: UInt64) -> Sequential {
        Sequential(
            inputShape: [inputSize, inputSize, 3],
            layers: [
                Conv2D(filters: 32, kernelSize: 3, activation: .relu),
                MaxPool2D(poolSize: 2),
                Dropout(rate: 0.2),
                Conv2D(filters: 64, kernelSize: 3, activation: .relu),
                MaxPool2D(poolSize: 2),
                Dropout(rate: 0.3),
                Flatten(),
                Dense(units: 128, activation: .relu),
                Dropout(rate: 0.5),
                Dense(units: classes, activation: .softmax),
            ],
            seed: seed)
    }
}
