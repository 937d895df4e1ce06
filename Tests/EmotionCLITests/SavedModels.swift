// Model folders for the command-line tests: a task1-small model with seeded random weights, saved as
// `emotion train` saves one (no training, so the tests stay fast).

import Foundation
import EmotionTraining

/// Saves a task1-small model for `classes` with weights drawn from `seed` into `folder`; its config names
/// `data` as the folder it was trained on and `scale` as its input scale.
@discardableResult
func saveRandomTask1Model(
    to folder: URL, classes: [String], seed: UInt64 = 3, scale: InputScale = .unit, data: String = "Data",
    batchSize: Int = 8
) throws -> Sequential {
    let model = try ModelZoo.make(name: "task1-small", classes: classes.count, seed: seed)
    let config = ModelConfig(
        architecture: "task1-small", inputShape: [100, 100, 3], classNames: classes,
        preprocessing: Preprocessing(height: 100, width: 100, scale: scale),
        training: TrainingSettings(
            architecture: "task1-small", data: data, epochs: 1, batchSize: batchSize, learningRate: 0.001,
            validationSplit: 0.2, seed: UInt32(seed), inputScale: scale, classNames: nil))
    try ModelStore.save(model, config: config, history: History(), to: folder)
    return model
}
