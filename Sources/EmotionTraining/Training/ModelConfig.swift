// config.json of a saved model: what the model is (architecture, input, classes, preprocessing) and
// how it was trained (data folder, split, seed, epochs, batch size, learning rate).

import Foundation

/// The options a training run was started with, as recorded in config.json.
public struct TrainingSettings: Codable, Sendable, Equatable {
    public var architecture: String
    /// The data folder as given on the command line.
    public var data: String
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Double
    public var validationSplit: Double
    /// A separate validation folder (Keras's `validation_data`): then all of `data` trains. Nil: the split.
    public var validationData: String?
    /// Seeds the weights, the shuffles, augmentation and dropout, and the split unless `splitSeed` is given.
    public var seed: UInt32
    /// Seeds the split (as Keras's 32-bit seed) when it differs from `seed`: several initialisations can then
    /// be compared on the same validation files. Nil: `seed`.
    public var splitSeed: UInt32?
    public var inputScale: InputScale
    /// The classes asked for with `--class-names`, or nil for all subfolders.
    public var classNames: [String]?
    /// Augmentation, schedule, early stopping, kept weights, class balance, regularisation; nil (in folders
    /// written before recipes existed) is the assignment's recipe.
    public var recipe: TrainingRecipe?

    public init(
        architecture: String, data: String, epochs: Int, batchSize: Int, learningRate: Double,
        validationSplit: Double, validationData: String? = nil, seed: UInt32, splitSeed: UInt32? = nil,
        inputScale: InputScale, classNames: [String]?, recipe: TrainingRecipe? = nil
    ) {
        self.architecture = architecture
        self.data = data
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.validationSplit = validationSplit
        self.validationData = validationData
        self.seed = seed
        self.splitSeed = splitSeed
        self.inputScale = inputScale
        self.classNames = classNames
        self.recipe = recipe
    }

    /// The seed of the training/validation split.
    public var effectiveSplitSeed: UInt32 { splitSeed ?? seed }

    /// The recipe the run follows.
    public var effectiveRecipe: TrainingRecipe { recipe ?? .assignment }
}

/// The content of config.json.
public struct ModelConfig: Codable, Sendable, Equatable {
    public static let formatName = "emotion-model"
    public static let formatVersion = 1

    public var format: String
    public var formatVersion: Int
    /// The `emotion` version that wrote the model.
    public var emotionVersion: String
    /// The model zoo name (`task1-small`), which rebuilds the layers.
    public var architecture: String
    /// [height, width, channels].
    public var inputShape: [Int]
    /// The class of each output, in order.
    public var classNames: [String]
    public var preprocessing: Preprocessing
    public var training: TrainingSettings
    /// The transfer-learning options of a `finetune` model; nil (absent from the file) for Task 1 models.
    public var fineTuning: FineTuneSettings?

    public init(
        architecture: String, inputShape: [Int], classNames: [String], preprocessing: Preprocessing,
        training: TrainingSettings, fineTuning: FineTuneSettings? = nil
    ) {
        format = Self.formatName
        formatVersion = Self.formatVersion
        emotionVersion = EmotionVersion.current
        self.architecture = architecture
        self.inputShape = inputShape
        self.classNames = classNames
        self.preprocessing = preprocessing
        self.training = training
        self.fineTuning = fineTuning
    }

    /// The test-time augmentation the model is evaluated and predicts with by default (its recipe's).
    public var tta: TestTimeAugmentation { training.effectiveRecipe.tta ?? .none }

    /// Pretty JSON with snake_case keys, sorted for stable diffs.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self) + Data("\n".utf8)
    }

    public static func decoded(from data: Data) throws -> ModelConfig {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(ModelConfig.self, from: data)
    }
}
