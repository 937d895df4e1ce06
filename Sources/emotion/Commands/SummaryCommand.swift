// `emotion summary`: the Keras-like table of a zoo architecture or a saved model.

import Foundation
import EmotionTraining

struct SummaryCommand: Command {
    static let name = "summary"
    static let abstract = "Print the layers, output shapes and parameter counts of a model."
    static let options: [OptionSpec] = [
        .value("model", "name|dir",
               help: "An architecture (\(ModelZoo.names.joined(separator: ", "))) or a saved model folder.",
               required: true),
        .value("classes", "n", help: "Number of classes of an architecture (a model folder has its own).",
               default: "6"),
    ]

    let model: String
    let classes: Int?

    init(_ arguments: ParsedArguments) throws(CLIError) {
        model = arguments.text("model")
        classes = try arguments.int("classes")
        if classes != nil && !ModelZoo.names.contains(model) {
            throw .usage("'--classes' applies to an architecture name, not to a model folder such as '\(model)'")
        }
    }

    func run(_ console: Console) throws(CLIError) -> Int32 {
        let architecture: String
        let classCount: Int
        if ModelZoo.names.contains(model) {
            architecture = model
            classCount = classes ?? 6
        } else {
            guard FileManager.default.fileExists(atPath: model) else {
                throw .input("'\(model)' is neither an architecture (\(ModelZoo.names.joined(separator: ", "))) "
                    + "nor a model folder")
            }
            let config = try asInputError { try ModelStore.loadConfig(from: URL(fileURLWithPath: model)) }
            architecture = config.architecture
            classCount = config.classNames.count
        }
        let built = try asInputError { try ModelZoo.make(name: architecture, classes: classCount, seed: 0) }
        console.print(built.summary())
        return ExitCode.success
    }
}
