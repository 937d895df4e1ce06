// Tests of saving and loading model folders: the atomic replace, the round trip, and clear failures on
// missing, malformed or mismatched files.

import Foundation
import EmotionTestSupport
import Testing
import EmotionNN
import EmotionTraining

private struct InjectedFailure: Error {}

private func makeConfig(architecture: String = "task1-small", classes: [String] = ["a", "b", "c"]) -> ModelConfig {
    ModelConfig(
        architecture: architecture, inputShape: [100, 100, 3], classNames: classes,
        preprocessing: Preprocessing(height: 100, width: 100),
        training: TrainingSettings(
            architecture: architecture, data: "Data", epochs: 1, batchSize: 8, learningRate: 0.001,
            validationSplit: 0.2, seed: 5, inputScale: .unit, classNames: nil))
}

private func contents(of folder: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
}

@Test func aFailedWriteLeavesNoFolderAndKeepsTheExistingOne() throws {
    let temporary = try TemporaryFolder()
    defer { temporary.remove() }
    let destination = temporary.url.appendingPathComponent("model")

    // Nothing there yet: a failure leaves nothing behind, not even a hidden partial folder.
    #expect(throws: InjectedFailure.self) {
        try AtomicFolder.replace(at: destination) { folder in
            try Data("half".utf8).write(to: folder.appendingPathComponent("config.json"))
            throw InjectedFailure()
        }
    }
    #expect(try contents(of: temporary.url) == [])

    try AtomicFolder.replace(at: destination) { folder in
        try Data("old".utf8).write(to: folder.appendingPathComponent("config.json"))
    }
    // A failed replacement keeps the old folder exactly as it was.
    #expect(throws: InjectedFailure.self) {
        try AtomicFolder.replace(at: destination) { folder in
            try Data("new".utf8).write(to: folder.appendingPathComponent("config.json"))
            throw InjectedFailure()
        }
    }
    #expect(try contents(of: temporary.url) == ["model"])
    #expect(try String(contentsOf: destination.appendingPathComponent("config.json"), encoding: .utf8) == "old")

    // A successful one replaces it whole (no file of the old folder survives).
    try Data("stale".utf8).write(to: destination.appendingPathComponent("stale.txt"))
    try AtomicFolder.replace(at: destination) { folder in
        try Data("new".utf8).write(to: folder.appendingPathComponent("config.json"))
    }
    #expect(try contents(of: temporary.url) == ["model"])
    #expect(try contents(of: destination) == ["config.json"])
    #expect(try String(contentsOf: destination.appendingPathComponent("config.json"), encoding: .utf8) == "new")
}

@Test func savedModelsLoadWithIdenticalWeightsConfigAndHistory() throws {
    let temporary = try TemporaryFolder()
    defer { temporary.remove() }
    let folder = temporary.url.appendingPathComponent("Models/small")
    let model = try ModelZoo.make(name: "task1-small", classes: 3, seed: 11)
    let config = makeConfig()
    let history = History(records: [
        EpochRecord(epoch: 1, accuracy: 0.5, loss: 1.25, validationAccuracy: 0.25, validationLoss: 1.5, seconds: 2),
    ])
    try ModelStore.save(model, config: config, history: history, attachments: ["notes.txt": Data("hi".utf8)], to: folder)
    #expect(try contents(of: folder) == ["config.json", "history.csv", "model.safetensors", "notes.txt"])
    #expect(try String(contentsOf: folder.appendingPathComponent("notes.txt"), encoding: .utf8) == "hi")

    let loaded = try ModelStore.load(from: folder)
    #expect(loaded.config == config)
    #expect(try ModelStore.loadHistory(from: folder) == history)
    let names = loaded.model.parameters.map(\.name)
    #expect(names == model.parameters.map(\.name))
    #expect(names.first == "conv2d.kernel" && names.last == "dense_1.bias")
    for (original, reloaded) in zip(model.parameters, loaded.model.parameters) {
        #expect(original.value.shape == reloaded.value.shape)
        #expect(original.value.scalars == reloaded.value.scalars, "\(original.name) changed in the round trip")
    }
    let metadata = try SafeTensors.read(contentsOf: folder.appendingPathComponent("model.safetensors")).metadata
    #expect(metadata["architecture"] == "task1-small")
    #expect(metadata["classes"] == "a,b,c")
}

@Test func loadingFailsClearlyOnMissingMalformedOrMismatchedFiles() throws {
    let temporary = try TemporaryFolder()
    defer { temporary.remove() }
    func loadError(_ folder: URL) -> String {
        do {
            _ = try ModelStore.load(from: folder)
            return "loaded"
        } catch {
            return "\(error)"
        }
    }
    let missing = temporary.url.appendingPathComponent("missing")
    #expect(loadError(missing).contains("the model folder \(missing.path) does not exist"))

    let folder = temporary.url.appendingPathComponent("model")
    try ModelStore.save(try ModelZoo.make(name: "task1-small", classes: 3, seed: 1), config: makeConfig(),
                        history: History(), to: folder)
    let configURL = folder.appendingPathComponent("config.json")
    let goodConfig = try Data(contentsOf: configURL)

    // Weights of a three-class model under a config that says four classes.
    try makeConfig(classes: ["a", "b", "c", "d"]).encoded().write(to: configURL)
    let mismatch = loadError(folder)
    #expect(mismatch.contains("do not match the model"), "\(mismatch)")
    #expect(mismatch.contains("dense_1.kernel"), "\(mismatch)")

    try Data("{\"format\": \"emotion-model\",".utf8).write(to: configURL)
    #expect(loadError(folder).hasPrefix("\(configURL.path) is not a valid model config"))

    var json = try #require(try JSONSerialization.jsonObject(with: goodConfig) as? [String: Any])
    json["class_names"] = nil
    try JSONSerialization.data(withJSONObject: json).write(to: configURL)
    #expect(loadError(folder) == "\(configURL.path) is not a valid model config: missing key 'class_names'")

    json = try #require(try JSONSerialization.jsonObject(with: goodConfig) as? [String: Any])
    json["architecture"] = "task9"
    try JSONSerialization.data(withJSONObject: json).write(to: configURL)
    #expect(loadError(folder).contains("unknown model 'task9'"))

    try goodConfig.write(to: configURL)
    try FileManager.default.removeItem(at: folder.appendingPathComponent("model.safetensors"))
    #expect(loadError(folder) == "the model folder is incomplete: \(folder.path)/model.safetensors is missing")

    try FileManager.default.removeItem(at: configURL)
    #expect(loadError(folder) == "the model folder is incomplete: \(configURL.path) is missing")
}

@Test func savingRefusesToReplaceAFolderThatIsNotAModel() throws {
    let temporary = try TemporaryFolder()
    defer { temporary.remove() }
    let notes = temporary.url.appendingPathComponent("notes.txt")
    try Data("keep me".utf8).write(to: notes)
    #expect(throws: ModelStoreError.self) {
        try ModelStore.save(try ModelZoo.make(name: "task1-small", classes: 3, seed: 1), config: makeConfig(),
                            history: History(), to: temporary.url)
    }
    #expect(try contents(of: temporary.url) == ["notes.txt"])
}

@Test func savesRemoveTheTemporaryFoldersOfKilledRuns() throws {
    let temporary = try TemporaryFolder()
    defer { temporary.remove() }
    let destination = temporary.url.appendingPathComponent("model")
    for leftover in [".model.partial-1234abcd", ".model.previous-5678ef90", ".other.partial-1"] {
        try temporary.makeFolder(leftover)
        try temporary.write("\(leftover)/model.safetensors", [1, 2, 3])
    }
    try AtomicFolder.replace(at: destination) { folder in
        try DurableFiles.create(Data("new".utf8), at: folder.appendingPathComponent("config.json"))
    }
    // Another output's leftovers are not this save's business.
    #expect(try contents(of: temporary.url) == [".other.partial-1", "model"])
}

@Test func replacingExchangesTheFoldersInOneStep() throws {
    let temporary = try TemporaryFolder()
    defer { temporary.remove() }
    let first = temporary.url.appendingPathComponent("a"), second = temporary.url.appendingPathComponent("b")
    try temporary.write("a/x", [1])
    try temporary.write("b/y", [2])
    #expect(try DurableFiles.exchange(first, second))  // Linux ≥ 3.15 and APFS have an atomic exchange
    #expect(try contents(of: first) == ["y"] && contents(of: second) == ["x"])
    #expect(throws: FileWriteError.self) { try DurableFiles.exchange(first, temporary.url.appendingPathComponent("none")) }
}

@Test func durableWritesNameThePathAndTheReason() throws {
    let temporary = try TemporaryFolder()
    defer { temporary.remove() }
    let file = temporary.url.appendingPathComponent("f.bin")
    try DurableFiles.replace(file, with: Data([1, 2, 3]))
    try DurableFiles.replace(file, with: Data([4]))
    #expect(try Data(contentsOf: file) == Data([4]))
    #expect(try contents(of: temporary.url) == ["f.bin"])
    #expect(throws: FileWriteError(path: file.path, reason: "File exists")) { try DurableFiles.create(Data(), at: file) }
    let missing = temporary.url.appendingPathComponent("no/such/folder/f.bin")
    #expect(throws: FileWriteError.self) { try DurableFiles.replace(missing, with: Data([1])) }
}

@Test(.enabled(if: SmallDisk.isAvailable, "full-disk test skipped: mounting a small tmpfs needs root on Linux"))
func aFullDiskFailsTheSaveCleanlyAndKeepsThePreviousFolder() throws {
    let disk = try #require(SmallDisk(kilobytes: 256))
    let destination = disk.url.appendingPathComponent("model")
    try AtomicFolder.replace(at: destination) { folder in
        try DurableFiles.create(Data(repeating: 1, count: 100_000), at: folder.appendingPathComponent("weights"))
    }
    do {
        try AtomicFolder.replace(at: destination) { folder in
            try DurableFiles.create(Data(repeating: 2, count: 200_000), at: folder.appendingPathComponent("weights"))
        }
        Issue.record("a 200 KB file fitted beside a 100 KB one on a 256 KB disk")
    } catch let error as FileWriteError {
        #expect(error.reason == "No space left on device")
        #expect(error.path.hasSuffix("/weights") && error.path.contains(".model.partial-"))
    }
    #expect(try contents(of: disk.url) == ["model"])
    #expect(try Data(contentsOf: destination.appendingPathComponent("weights")) == Data(repeating: 1, count: 100_000))
    withExtendedLifetime(disk) {}
}
