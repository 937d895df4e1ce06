// Saving and loading a model folder: model.safetensors (weights by Keras-like name), config.json
// (ModelConfig), history.csv, and any further files the caller attaches (the command adds the chart
// history.svg). A folder is written whole or not at all (see AtomicFolder).

import Foundation
import EmotionNN

/// Why a model folder could not be saved or loaded.
public enum ModelStoreError: Error, CustomStringConvertible {
    case folderMissing(path: String)
    case fileMissing(path: String)
    case unreadable(path: String, reason: String)
    case malformedConfig(path: String, reason: String)
    case unsupportedFormat(path: String, format: String, version: Int)
    case inconsistentConfig(path: String, reason: String)
    case refusingToReplace(path: String)
    case cannotSave(path: String, reason: String)

    public var description: String {
        switch self {
        case .folderMissing(let path):
            return "the model folder \(path) does not exist (train one with 'emotion train --model task1-small')"
        case .fileMissing(let path):
            return "the model folder is incomplete: \(path) is missing"
        case .unreadable(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .malformedConfig(let path, let reason):
            return "\(path) is not a valid model config: \(reason)"
        case .unsupportedFormat(let path, let format, let version):
            return "\(path) has format '\(format)' version \(version); this emotion reads '\(ModelConfig.formatName)' "
                + "up to version \(ModelConfig.formatVersion)"
        case .inconsistentConfig(let path, let reason):
            return "\(path) does not describe a model this emotion can build: \(reason)"
        case .cannotSave(let path, let reason):
            return "cannot save the model to \(path): \(reason)"
        case .refusingToReplace(let path):
            return "\(path) exists and is not a model folder (it is a file, or a folder without "
                + "\(ModelStore.configFileName)); choose another output folder"
        }
    }
}

/// A model read back from its folder.
public struct SavedModel {
    public let folder: URL
    public let model: Sequential
    public let config: ModelConfig
}

public enum ModelStore {
    public static let weightsFileName = "model.safetensors"
    public static let configFileName = "config.json"
    public static let historyFileName = "history.csv"
    public static let historyChartFileName = "history.svg"

    /// Writes `model`, `config`, `history` and `attachments` (file name → contents, e.g. a chart) into
    /// `folder`, replacing an existing model folder only once the new one is complete. A folder that exists
    /// but is neither empty nor a model folder is refused.
    public static func save(
        _ model: Sequential, config: ModelConfig, history: History, attachments: [String: Data] = [:], to folder: URL
    ) throws {
        try checkDestination(folder)
        let metadata = [
            "format": "emotion",
            "architecture": config.architecture,
            "classes": config.classNames.joined(separator: ","),
            "input_shape": config.inputShape.map(String.init).joined(separator: ","),
            "emotion_version": config.emotionVersion,
        ]
        do {
            try AtomicFolder.replace(at: folder) { temporary in
                try model.saveWeights(to: temporary.appendingPathComponent(weightsFileName), metadata: metadata)
                try DurableFiles.create(try config.encoded(), at: temporary.appendingPathComponent(configFileName))
                try DurableFiles.create(Data(history.csv.utf8), at: temporary.appendingPathComponent(historyFileName))
                for (name, contents) in attachments.sorted(by: { $0.key < $1.key }) {
                    try DurableFiles.create(contents, at: temporary.appendingPathComponent(name))
                }
            }
        } catch {
            throw ModelStoreError.cannotSave(path: folder.path, reason: Self.reason(error))
        }
    }

    /// Throws unless `folder` can receive a model: it does not exist, is empty, or is a model folder
    /// (which a save replaces). Commands call this before training so that a bad `--output` fails early.
    public static func checkDestination(_ folder: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) else { return }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        guard isDirectory.boolValue, entries.isEmpty || entries.contains(configFileName) else {
            throw ModelStoreError.refusingToReplace(path: folder.path)
        }
    }

    /// Reads and checks config.json, rebuilds the architecture and loads the weights strictly by name.
    public static func load(from folder: URL) throws -> SavedModel {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue
        else { throw ModelStoreError.folderMissing(path: folder.path) }
        let config = try loadConfig(from: folder)
        let configPath = folder.appendingPathComponent(configFileName).path
        let entry: ModelZoo.Entry
        do {
            entry = try ModelZoo.entry(named: config.architecture)
        } catch {
            throw ModelStoreError.inconsistentConfig(path: configPath, reason: "\(error)")
        }
        // A pretrained backbone is fully convolutional, so a fine-tuned model may use any square input size.
        let isBackbone = ModelZoo.Backbone(rawValue: config.architecture) != nil
        let expectedShape = isBackbone && config.inputShape.count == 3
            ? [config.inputShape[0], config.inputShape[0], 3] : entry.inputShape
        guard config.inputShape == expectedShape else {
            throw ModelStoreError.inconsistentConfig(
                path: configPath,
                reason: "input_shape \(config.inputShape) differs from \(config.architecture)'s \(expectedShape)")
        }
        guard config.preprocessing.height == expectedShape[0], config.preprocessing.width == expectedShape[1]
        else {
            throw ModelStoreError.inconsistentConfig(
                path: configPath,
                reason: "preprocessing size \(config.preprocessing.height)x\(config.preprocessing.width) differs "
                    + "from the input shape \(expectedShape)")
        }
        guard !config.classNames.isEmpty, Set(config.classNames).count == config.classNames.count else {
            throw ModelStoreError.inconsistentConfig(
                path: configPath, reason: "class_names must be a non-empty list of distinct names")
        }
        let model = isBackbone
            ? try ModelZoo.makeBackboneClassifier(
                name: config.architecture, classes: config.classNames.count, seed: 0, imageSize: expectedShape[0]).model
            : try ModelZoo.make(name: config.architecture, classes: config.classNames.count, seed: 0)
        let weights = folder.appendingPathComponent(weightsFileName)
        guard FileManager.default.fileExists(atPath: weights.path) else {
            throw ModelStoreError.fileMissing(path: weights.path)
        }
        try model.loadWeights(from: weights, strict: true)
        return SavedModel(folder: folder, model: model, config: config)
    }

    /// Reads config.json of a model folder.
    public static func loadConfig(from folder: URL) throws -> ModelConfig {
        let url = folder.appendingPathComponent(configFileName)
        let data = try read(url)
        let config: ModelConfig
        do {
            config = try ModelConfig.decoded(from: data)
        } catch let error as DecodingError {
            throw ModelStoreError.malformedConfig(path: url.path, reason: describe(error))
        } catch {
            throw ModelStoreError.malformedConfig(path: url.path, reason: "\(error)")
        }
        guard config.format == ModelConfig.formatName, config.formatVersion <= ModelConfig.formatVersion else {
            throw ModelStoreError.unsupportedFormat(path: url.path, format: config.format, version: config.formatVersion)
        }
        return config
    }

    /// Reads history.csv of a model folder.
    public static func loadHistory(from folder: URL) throws -> History {
        let url = folder.appendingPathComponent(historyFileName)
        let data = try read(url)
        guard let text = String(data: data, encoding: .utf8) else {
            throw ModelStoreError.unreadable(path: url.path, reason: "not UTF-8 text")
        }
        return try History(csv: text)
    }

    private static func read(_ url: URL) throws -> Data {
        guard FileManager.default.fileExists(atPath: url.path) else { throw ModelStoreError.fileMissing(path: url.path) }
        do {
            return try Data(contentsOf: url)
        } catch {
            throw ModelStoreError.unreadable(path: url.path, reason: error.localizedDescription)
        }
    }

    /// The system's reason for a failed write ("No space left on device"), whichever layer reported it.
    static func reason(_ error: Error) -> String {
        switch error {
        case let error as FileWriteError: return "\(error.reason) (\(URL(fileURLWithPath: error.path).lastPathComponent))"
        case SafeTensorsError.writeFailed(let file, let reason):
            return "\(reason) (\(URL(fileURLWithPath: file).lastPathComponent))"
        case let error as AtomicFolderError: return "\(error)"
        default: return (error as NSError).localizedDescription
        }
    }

    /// "missing key 'class_names'" rather than Foundation's debug dump.
    private static func describe(_ error: DecodingError) -> String {
        // Keys as config.json spells them (snake_case), not as the Swift properties do.
        func snakeCase(_ key: String) -> String {
            key.reduce(into: "") { result, character in
                if character.isUppercase { result += "_" + character.lowercased() } else { result.append(character) }
            }
        }
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map(String.init) ?? snakeCase($0.stringValue) }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return "missing key '\(parent.isEmpty ? "" : parent + ".")\(snakeCase(key.stringValue))'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "wrong type at '\(path(context))': \(context.debugDescription)"
        case .dataCorrupted(let context):
            let at = path(context)
            return (at.isEmpty ? "" : "at '\(at)': ") + context.debugDescription
        @unknown default:
            return "\(error)"
        }
    }
}
