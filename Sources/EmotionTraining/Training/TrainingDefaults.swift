// The defaults of a training run, written once: the library's configuration types and the command line's
// options (and their --help) all read them here. They are Keras's `fit` and `image_dataset_from_directory`
// settings as the assignment used them.

public enum TrainingDefaults {
    public static let epochs = 20
    public static let batchSize = 32
    /// Adam's learning rate (Keras's default).
    public static let learningRate = 0.001
    /// The share of the files held out for validation.
    public static let validationSplit = 0.2
    /// Seeds the split (as Keras's 32-bit seed), the weights, the shuffles and dropout.
    public static let seed: UInt32 = 123
    /// The data folder, relative to the working directory: the repository's demo set.
    public static let dataFolder = "Data"
}
