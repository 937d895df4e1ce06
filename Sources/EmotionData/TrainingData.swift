// The files a run trains and validates on: one folder split as Keras splits it (`validation_split`), or a
// training folder and a separate validation folder (Keras's `validation_data`).

/// Why a training folder and a validation folder cannot go together.
public enum TrainingDataError: Error, Equatable, CustomStringConvertible {
    case classesDiffer(training: [String], validation: [String], folder: String)

    public var description: String {
        switch self {
        case .classesDiffer(let training, let validation, let folder):
            return "the validation folder \(folder) has the classes \(validation.joined(separator: ", ")), the training "
                + "data \(training.joined(separator: ", ")); they must be the same"
        }
    }
}

public struct TrainingData: Sendable {
    public let classNames: [String]
    public let training: [LabeledFile]
    public let validation: [LabeledFile]

    /// A folder's own split.
    public init(folder: ImageFolder) {
        classNames = folder.classNames
        training = folder.training
        validation = folder.validation
    }

    /// Every file of `training` trains, every file of `validation` validates; the classes must be the same.
    public init(training: ImageFolder, validation: ImageFolder) throws(TrainingDataError) {
        guard training.classNames == validation.classNames else {
            throw .classesDiffer(training: training.classNames, validation: validation.classNames, folder: validation.root.path)
        }
        classNames = training.classNames
        self.training = training.files
        self.validation = validation.files
    }

    /// How many training files each class has.
    public var trainingCounts: [Int] {
        var counts = [Int](repeating: 0, count: classNames.count)
        for file in training { counts[file.label] += 1 }
        return counts
    }
}
