// Checkpoints: everything a training run needs to continue exactly where it stopped (Keras's
// BackupAndRestore, a PyTorch script's --resume), written atomically and durably beside the model folder
// after every epoch and on an interrupt.
//
// A checkpoint folder `.<output>.checkpoint/` holds `state.json` (the settings the run was started with, a
// fingerprint of its files, the history, where it stands, the running means of the epoch in progress, the
// optimizer's step count and rate, the observers' states, and which tensors file is its own) and two
// tensors files, `tensors-a.safetensors` and `tensors-b.safetensors` (the model's weights `model.<name>`,
// Adam's moments `adam.m.<name>` / `adam.v.<name>`, observers' tensors `<key>.<name>`).
//
// The two tensors files are a double buffer: a save rewrites, in place, the one the current state.json
// does not name, flushes it, then replaces state.json atomically to name it. A crash at any moment leaves
// state.json naming a complete file. Rewriting a file's own pages is what makes a checkpoint cheap: a new
// 52 MB file every epoch cost task1-small 0.5-1.0 s per epoch on our VM (its pages and blocks allocated
// anew), a rewrite about 0.1 s.
// The data pipeline needs nothing more: the order of an epoch, the augmentation of every image and the
// dropout masks of every step derive from the seed, the epoch and the step.

import Foundation

/// An observer whose state a checkpoint must carry (a schedule's, early stopping's, the best weights).
public protocol CheckpointingObserver: TrainingObserver {
    /// Unique among a run's observers; names the state in the checkpoint.
    var checkpointKey: String { get }
    func checkpointState() throws -> ObserverState
    func restore(from state: ObserverState) throws
}

/// An observer's part of a checkpoint: JSON and tensors.
public struct ObserverState: Sendable {
    public var json: Data
    public var tensors: [(name: String, tensor: Tensor)]

    public init(json: Data, tensors: [(name: String, tensor: Tensor)] = []) {
        self.json = json
        self.tensors = tensors
    }
}

/// Why a checkpoint could not be used.
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
    case missing(path: String)
    case unreadable(path: String, reason: String)
    /// The settings differ from those the checkpointed run was started with: (setting path, then, now).
    case settingsDiffer(path: String, differences: [SettingDifference])
    case dataChanged(path: String)
    case doesNotFit(path: String, reason: String)

    public var description: String {
        switch self {
        case .missing(let path):
            return "there is no checkpoint to resume from at \(path)"
        case .unreadable(let path, let reason):
            return "the checkpoint \(path) is damaged and cannot be resumed: \(reason) (start afresh without --resume)"
        case .settingsDiffer(let path, let differences):
            let list = differences.map { "\($0.setting) (checkpoint: \($0.then), now: \($0.now))" }.joined(separator: ", ")
            return "the checkpoint \(path) was made with other settings: \(list); resume with the same settings, or "
                + "start afresh without --resume"
        case .dataChanged(let path):
            return "the data folder changed since the checkpoint \(path) was made (other files), so resuming would "
                + "not reproduce the run; start afresh without --resume"
        case .doesNotFit(let path, let reason):
            return "the checkpoint \(path) does not fit this run: \(reason)"
        }
    }
}

/// One setting that differs between a checkpoint and the run resuming it.
public struct SettingDifference: Equatable, Sendable {
    /// The setting's path in config.json, e.g. `training.batch_size`.
    public let setting: String
    public let then: String
    public let now: String
}

/// What identifies a run for resuming: its config.json and the files it trains and validates on.
public struct RunIdentity: Sendable {
    public let configuration: Data
    public let dataFingerprint: String

    public init(config: ModelConfig, files: [LabeledFile]) throws {
        var config = config
        config.emotionVersion = ""  // a rebuilt binary may resume
        configuration = try config.encoded()
        // FNV-1a over the relative paths and labels in order: a changed folder changes the split or the files.
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for file in files {
            for byte in Array("\(file.label)\u{0}\(file.relativePath)\u{0}".utf8) {
                hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3
            }
        }
        dataFingerprint = String(hash, radix: 16) + "-\(files.count)"
    }
}

/// A run's state at a point between two steps.
public struct RunCheckpoint {
    public static let formatName = "emotion-checkpoint"
    public static let formatVersion = 2

    /// The JSON kept in state.json.
    struct State: Codable {
        var format: String
        var formatVersion: Int
        var configuration: String
        var dataFingerprint: String
        var history: [EpochRecord]
        /// The phase to continue, and the epoch (1-based over all phases) and its steps already done.
        var phaseIndex: Int
        var epoch: Int
        var step: Int
        /// Steps the phase has taken (the index of the dropout stream).
        var stepsTaken: UInt64
        var runningLoss: RunningMean
        var runningAccuracy: RunningMean
        /// Seconds spent on the epoch in progress before the checkpoint.
        var epochSeconds: Double
        /// Adam's step count and rate in the phase in progress; nil when that phase starts afresh.
        var optimizerIterations: Int?
        var optimizerLearningRate: Float?
        var lastValidation: ValidationFigures?
        var observers: [String: Data]
        /// The tensors file of this state (one of `CheckpointStore.tensorsFileNames`).
        var tensorsFile = ""
    }

    /// A validation's figures (what "Test Accuracy" reports).
    struct ValidationFigures: Codable {
        var accuracy: Double
        var loss: Double
        var counts: [[Int]]

        init(_ evaluation: Evaluation) {
            accuracy = evaluation.accuracy
            loss = evaluation.loss
            counts = evaluation.confusion.counts
        }

        var evaluation: Evaluation {
            Evaluation(accuracy: accuracy, loss: loss, confusion: ConfusionMatrix(counts: counts), seconds: 0)
        }
    }

    var state: State
    var weights: [(name: String, tensor: Tensor)]
    var optimizer: AdamState?
    var observerTensors: [String: [(name: String, tensor: Tensor)]]

    /// Where the run stood, for messages: the epoch in progress or next, and the steps done of it.
    public var epoch: Int { state.epoch }
    public var step: Int { state.step }
    public var history: History { History(records: state.history) }
}

/// The checkpoint folder of a model folder: `Models/.task1-small.checkpoint` for `Models/task1-small`.
public struct CheckpointStore: Sendable {
    public let folder: URL
    static let stateFileName = "state.json"
    static let tensorsFileNames = ["tensors-a.safetensors", "tensors-b.safetensors"]

    public init(beside output: URL) {
        folder = output.deletingLastPathComponent().appendingPathComponent(".\(output.lastPathComponent).checkpoint")
    }

    /// Whether a checkpoint was saved (its state.json exists).
    public var exists: Bool { FileManager.default.fileExists(atPath: stateFile.path) }

    private var stateFile: URL { folder.appendingPathComponent(Self.stateFileName) }

    /// Writes `checkpoint` into the tensors file the saved state does not use, then commits it by replacing
    /// state.json atomically. On failure the previous checkpoint stays whole (and a folder holding none is
    /// removed).
    func save(_ checkpoint: RunCheckpoint) throws {
        var tensors = checkpoint.weights.map { ("model.\($0.name)", $0.tensor) }
        var metadata: [String: String] = [:]
        if let optimizer = checkpoint.optimizer {
            let adam = optimizer.safeTensors
            tensors += adam.tensors
            metadata = adam.metadata
        }
        for (key, observerTensors) in checkpoint.observerTensors.sorted(by: { $0.key < $1.key }) {
            tensors += observerTensors.map { ("\(key).\($0.name)", $0.tensor) }
        }
        let committed = try? JSONDecoder().decode(RunCheckpoint.State.self, from: Data(contentsOf: stateFile))
        var state = checkpoint.state
        state.tensorsFile = Self.tensorsFileNames.first { $0 != committed?.tensorsFile }!
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let stateData = try encoder.encode(state)
        let contents = try SafeTensors.encode(SafeTensors.Contents(tensors: tensors, metadata: metadata))
        do {
            if !FileManager.default.fileExists(atPath: folder.path) {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                try DurableFiles.syncFolder(folder.deletingLastPathComponent())
            }
            let tensorsFile = folder.appendingPathComponent(state.tensorsFile)
            do {
                try DurableFiles.overwrite(tensorsFile, with: contents)
            } catch {
                throw SafeTensorsError.writeFailed(file: tensorsFile.path, reason: error.reason)
            }
            try DurableFiles.syncFolder(folder)
            try DurableFiles.replace(stateFile, with: stateData)
        } catch {
            if committed == nil { try? FileManager.default.removeItem(at: folder) }
            throw error
        }
    }

    /// Reads and checks the checkpoint.
    public func load() throws(CheckpointError) -> RunCheckpoint {
        guard exists else { throw .missing(path: folder.path) }
        let state: RunCheckpoint.State
        do {
            state = try JSONDecoder().decode(
                RunCheckpoint.State.self, from: Data(contentsOf: folder.appendingPathComponent(Self.stateFileName)))
        } catch {
            throw .unreadable(path: folder.path, reason: "\(Self.stateFileName): \(error)")
        }
        guard state.format == RunCheckpoint.formatName, state.formatVersion == RunCheckpoint.formatVersion,
              Self.tensorsFileNames.contains(state.tensorsFile)
        else {
            throw .unreadable(path: folder.path, reason: "format \(state.format) version \(state.formatVersion)")
        }
        let tensorsFile = folder.appendingPathComponent(state.tensorsFile)
        let contents: SafeTensors.Contents
        do {
            contents = try SafeTensors.read(contentsOf: tensorsFile)
        } catch {
            throw .unreadable(path: folder.path, reason: "\(error)")
        }
        var optimizer: AdamState?
        if state.optimizerIterations != nil {
            do {
                optimizer = try AdamState(contents, file: tensorsFile.path)
            } catch {
                throw .unreadable(path: folder.path, reason: "\(error)")
            }
        }
        let weights = contents.tensors.filter { $0.name.hasPrefix("model.") }.map { (String($0.name.dropFirst(6)), $0.tensor) }
        var observerTensors: [String: [(name: String, tensor: Tensor)]] = [:]
        for key in state.observers.keys {
            observerTensors[key] = contents.tensors.filter { $0.name.hasPrefix("\(key).") }
                .map { (String($0.name.dropFirst(key.count + 1)), $0.tensor) }
        }
        return RunCheckpoint(state: state, weights: weights, optimizer: optimizer, observerTensors: observerTensors)
    }

    /// Removes the checkpoint.
    public func remove() {
        try? FileManager.default.removeItem(at: folder)
    }
}

extension RunCheckpoint {
    /// Throws unless this checkpoint was made by a run with `identity`: the same settings (naming the ones
    /// that differ) and the same files.
    public func check(_ identity: RunIdentity, path: String) throws(CheckpointError) {
        let differences = Self.differences(
            then: Data(state.configuration.utf8), now: identity.configuration)
        guard differences.isEmpty else { throw .settingsDiffer(path: path, differences: differences) }
        guard state.dataFingerprint == identity.dataFingerprint else { throw .dataChanged(path: path) }
    }

    /// The leaves that differ between two config.json texts, by path (`training.epochs`).
    static func differences(then: Data, now: Data) -> [SettingDifference] {
        func leaves(_ value: Any, _ path: String, into result: inout [String: String]) {
            switch value {
            case let object as [String: Any]:
                for (key, member) in object { leaves(member, path.isEmpty ? key : "\(path).\(key)", into: &result) }
            case let array as [Any] where array.allSatisfy({ !($0 is [String: Any]) && !($0 is [Any]) }):
                result[path] = array.map { "\($0)" }.joined(separator: ",")
            case let array as [Any]:
                for (index, member) in array.enumerated() { leaves(member, "\(path).\(index)", into: &result) }
            case is NSNull:
                result[path] = "none"
            default:
                result[path] = "\(value)"
            }
        }
        var before: [String: String] = [:], after: [String: String] = [:]
        if let object = try? JSONSerialization.jsonObject(with: then) { leaves(object, "", into: &before) }
        if let object = try? JSONSerialization.jsonObject(with: now) { leaves(object, "", into: &after) }
        return Set(before.keys).union(after.keys).sorted().compactMap { key in
            before[key] == after[key] ? nil : SettingDifference(setting: key, then: before[key] ?? "none", now: after[key] ?? "none")
        }
    }
}
