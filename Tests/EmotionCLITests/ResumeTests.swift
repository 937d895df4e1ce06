// Never losing a run, tested on the built binary: runs interrupted by SIGINT, SIGTERM or SIGKILL at several
// points and resumed save the very bytes an uninterrupted run saves; a resume with other options, without a
// checkpoint or from a damaged one is refused with exit status 2; the output folder survives a storm of
// SIGKILLs; a full disk fails cleanly.

import Foundation
import EmotionTestSupport
import EmotionTraining
import Testing

/// A tiny data set (synth, `perClass` per class at 64x64) and the train command line for it.
private func makeFolder(perClass: Int = 3) throws -> TemporaryFolder {
    let folder = try TemporaryFolder()
    let synth = try Emotion.run(["synth", "--output", "faces", "--per-class", String(perClass), "--size", "64", "--seed", "4"],
                                in: folder.url)
    guard synth.status == 0 else { throw TestSetupError("synth failed: \(synth.stderr)") }
    return folder
}

private func trainArguments(_ output: String, epochs: Int = 3, recipe: [String] = []) -> [String] {
    ["train", "--model", "task1-small", "--data", "faces", "--epochs", String(epochs), "--batch-size", "4",
     "--seed", "11", "--output", output] + recipe
}

/// Every recipe feature at once: augmentation, a per-step schedule, early stopping with the best weights
/// kept, class weights, label smoothing, weight decay, the generalised cross-entropy, MixUp and a split seed of
/// its own.
private let fullRecipe = [
    "--augment", "standard", "--lr-schedule", "cosine", "--warmup-epochs", "1", "--early-stopping", "2",
    "--keep", "best", "--class-weight", "balanced", "--label-smoothing", "0.1", "--weight-decay", "0.01",
    "--gce", "0.7", "--mixup", "0.2", "--split-seed", "5",
]

/// history.csv without the seconds column.
private func historyRows(_ folder: URL) throws -> [String] {
    try String(contentsOf: folder.appendingPathComponent("history.csv"), encoding: .utf8)
        .split(separator: "\n").map { $0.split(separator: ",").dropLast().joined(separator: ",") }
}

private func bytes(_ folder: URL, _ file: String = "model.safetensors") throws -> Data {
    try Data(contentsOf: folder.appendingPathComponent(file))
}

@Suite(.serialized) struct ResumeTests {
    /// SIGINT or SIGTERM when `marker` appears, or SIGKILL, then `--resume`: the same model bytes and history
    /// rows as the uninterrupted run, and the checkpoint removed at the end.
    @Test(arguments: [
        (SIGINT, "Epoch 1/3", false), (SIGINT, "Epoch 2/3", false), (SIGTERM, "Epoch 3/3", false),
        (SIGKILL, "Epoch 3/3", false), (SIGINT, "Epoch 2/3", true), (SIGKILL, "Epoch 2/3", true),
    ])
    func anInterruptedRunResumesToTheSameBytes(signal: Int32, marker: String, withRecipe: Bool) throws {
        // 12 photos per class: on a fast CPU, 3 per class trained all three epochs (0.1 s each) before a
        // signal sent on "Epoch 1/3" arrived, when the test process was slow to see the line.
        let folder = try makeFolder(perClass: 12)
        defer { folder.remove() }
        let recipe = withRecipe ? fullRecipe : []
        let reference = try Emotion.run(trainArguments("Models/reference", recipe: recipe), in: folder.url)
        try #require(reference.status == 0, "\(reference.stderr)")

        let running = try Emotion.start(trainArguments("Models/run", recipe: recipe), in: folder.url)
        try #require(running.waitForOutput(marker), "never printed \(marker): \(running.stdout)")
        running.send(signal)
        let interrupted = running.finish()
        let checkpoint = folder.url.appendingPathComponent("Models/.run.checkpoint")
        // Before the last epoch the run cannot have finished; in it, the signal may come after the last step.
        if marker != "Epoch 3/3" || signal == SIGKILL { #expect(interrupted.status == 128 + signal) }
        if interrupted.status == 0 {
            // The signal came after the last step: the run completed (nothing to resume, nothing left behind).
            #expect(!FileManager.default.fileExists(atPath: checkpoint.path))
        } else {
            #expect(interrupted.status == 128 + signal, "\(interrupted.stdout)\(interrupted.stderr)")
            if signal != SIGKILL {
                let line = try #require(interrupted.stdout.split(separator: "\n").last.map(String.init))
                #expect(line.wholeMatch(of: #/Interrupted (in epoch \d/3 \(step \d+/\d+\)|after epoch \d/3); checkpoint saved to .*Models/\.run\.checkpoint; resume with: emotion train --model task1-small --data faces --epochs 3 --batch-size 4 --seed 11 --output Models/run.* --resume/#) != nil, "\(line)")
            }
            let resumed = try Emotion.run(trainArguments("Models/run", recipe: recipe) + ["--resume"], in: folder.url)
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(resumed.stdout.contains("Resuming from "), "\(resumed.stdout)")
        }
        let run = folder.url.appendingPathComponent("Models/run"), expected = folder.url.appendingPathComponent("Models/reference")
        #expect(try bytes(run) == bytes(expected))
        #expect(try historyRows(run) == historyRows(expected))
        #expect(!FileManager.default.fileExists(atPath: checkpoint.path))
    }

    /// `finetune` with its default recipe (flipped and greyed views, cosine decay, label smoothing, class
    /// weights, the whole backbone unfrozen after the head, trained on images streamed from the files)
    /// interrupted in the head phase (SIGINT) or the fine-tuning phase (SIGKILL), then resumed: the same bytes
    /// and history as the uninterrupted run.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: RepositoryPaths.lite0Weights.path),
                   "finetune resume skipped: ../shared/backbones/efficientnet_lite0.safetensors not found"),
          arguments: [(SIGINT, "Epoch 1/4"), (SIGKILL, "Epoch 3/4")])
    func anInterruptedFinetuneResumesToTheSameBytes(signal: Int32, marker: String) throws {
        let folder = try makeFolder()
        defer { folder.remove() }
        let arguments = { (output: String) in
            ["finetune", "--backbone", "efficientnet-lite0", "--weights", RepositoryPaths.lite0Weights.path,
             "--data", "faces", "--image-size", "96", "--epochs", "2", "--fine-tune-epochs", "2",
             "--batch-size", "4", "--seed", "3", "--output", output]
        }
        let reference = try Emotion.run(arguments("Models/reference"), in: folder.url)
        try #require(reference.status == 0, "\(reference.stderr)")

        let running = try Emotion.start(arguments("Models/run"), in: folder.url)
        try #require(running.waitForOutput(marker), "never printed \(marker): \(running.stdout)")
        running.send(signal)
        // The fine-tuning epochs after the marker take hundreds of milliseconds: the signal lands in the run.
        let interrupted = running.finish()
        try #require(interrupted.status == 128 + signal, "\(interrupted.stdout)\(interrupted.stderr)")
        let resumed = try Emotion.run(arguments("Models/run") + ["--resume"], in: folder.url)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("Resuming from "), "\(resumed.stdout)")
        let run = folder.url.appendingPathComponent("Models/run"), expected = folder.url.appendingPathComponent("Models/reference")
        #expect(try bytes(run) == bytes(expected))
        #expect(try historyRows(run) == historyRows(expected))
        #expect(!FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("Models/.run.checkpoint").path))
    }

    /// Augmentation is drawn per (seed, epoch, image), so the cache cannot change a run: the same bytes with
    /// every image cached and with every image decoded every epoch.
    @Test func theCacheDoesNotChangeAnAugmentedRun() throws {
        let folder = try makeFolder()
        defer { folder.remove() }
        let cached = try Emotion.run(trainArguments("Models/cached", epochs: 2, recipe: fullRecipe), in: folder.url)
        let decoded = try Emotion.run(
            trainArguments("Models/decoded", epochs: 2, recipe: fullRecipe) + ["--cache-memory", "0"], in: folder.url)
        try #require(cached.status == 0 && decoded.status == 0, "\(cached.stderr)\(decoded.stderr)")
        #expect(try bytes(folder.url.appendingPathComponent("Models/cached"))
            == bytes(folder.url.appendingPathComponent("Models/decoded")))
        let config = try String(contentsOf: folder.url.appendingPathComponent("Models/cached/config.json"), encoding: .utf8)
        #expect(config.contains("\"augment\" : \"flip,rotation=0.03,zoom=0.05,translation=0.05,contrast=0.1\""))
        #expect(config.contains("\"split_seed\" : 5") && config.contains("\"lr_schedule\" : \"cosine\""))
    }

    @Test func resumingIsRefusedWithoutACheckpointWithOtherOptionsOrFromADamagedOne() throws {
        let folder = try makeFolder()
        defer { folder.remove() }
        let none = try Emotion.run(trainArguments("Models/run") + ["--resume"], in: folder.url)
        #expect(none.status == 2)
        #expect(none.stderr.contains("Error: there is no checkpoint to resume from at "), "\(none.stderr)")

        // A completed run with --keep-checkpoint leaves a checkpoint to test against.
        let kept = try Emotion.run(trainArguments("Models/run", epochs: 2) + ["--keep-checkpoint"], in: folder.url)
        #expect(kept.status == 0, "\(kept.stderr)")
        #expect(kept.stdout.contains("Kept the checkpoint at "))
        let checkpoint = folder.url.appendingPathComponent("Models/.run.checkpoint")
        #expect(FileManager.default.fileExists(atPath: checkpoint.appendingPathComponent("state.json").path))

        let other = try Emotion.run(trainArguments("Models/run", epochs: 4) + ["--learning-rate", "0.01", "--resume"], in: folder.url)
        #expect(other.status == 2)
        #expect(other.stderr.contains("was made with other options: --epochs (checkpoint: 2, now: 4), --learning-rate (checkpoint: 0.001, now: 0.01)"),
                "\(other.stderr)")

        // Resuming a completed run's checkpoint only saves the model again.
        let again = try Emotion.run(trainArguments("Models/run", epochs: 2) + ["--resume", "--keep-checkpoint"], in: folder.url)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(!again.stdout.contains("Epoch "), "\(again.stdout)")

        try Data("{\"format\": \"emotion-checkpoint\"".utf8).write(to: checkpoint.appendingPathComponent("state.json"))
        let damaged = try Emotion.run(trainArguments("Models/run", epochs: 2) + ["--resume"], in: folder.url)
        #expect(damaged.status == 2)
        #expect(damaged.stderr.contains("is damaged and cannot be resumed"), "\(damaged.stderr)")

        // Without --resume a run starts afresh, saying so, and removes the stale checkpoint when it completes.
        let afresh = try Emotion.run(trainArguments("Models/run", epochs: 1), in: folder.url)
        #expect(afresh.status == 0, "\(afresh.stderr)")
        #expect(afresh.stdout.contains("Starting afresh: removing the checkpoint of an earlier run at "))
        #expect(!FileManager.default.fileExists(atPath: checkpoint.path))
    }

    /// The output folder is replaced atomically: killed at random moments (seeded), a model folder that
    /// exists always loads, and no temporary folder survives the next run.
    @Test func theOutputAlwaysLoadsUnderAStormOfKills() throws {
        let folder = try makeFolder()
        defer { folder.remove() }
        let first = try Emotion.run(trainArguments("Models/storm", epochs: 1), in: folder.url)
        try #require(first.status == 0, "\(first.stderr)")
        var generator = SeededGenerator(seed: 5)
        let output = folder.url.appendingPathComponent("Models/storm")
        for _ in 0..<12 {
            let running = try Emotion.start(trainArguments("Models/storm", epochs: 1), in: folder.url)
            // Most kills land around the save, which comes right after the last epoch line.
            _ = running.waitForOutput("Test Accuracy", timeout: 120)
            Thread.sleep(forTimeInterval: Double(generator.nextUnitFloat()) * 0.3)
            running.send(SIGKILL)
            _ = running.finish()
            let saved = try ModelStore.load(from: output)
            #expect(saved.config.architecture == "task1-small")
        }
        let last = try Emotion.run(trainArguments("Models/storm", epochs: 1), in: folder.url)
        #expect(last.status == 0, "\(last.stderr)")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.url.appendingPathComponent("Models").path)
        #expect(leftovers == ["storm"], "\(leftovers)")
    }

    @Test(.enabled(if: SmallDisk.isAvailable, "full-disk test skipped: mounting a small tmpfs needs root on Linux"))
    func aFullDiskFailsWithTheReasonAndLeavesNothingBehind() throws {
        let folder = try makeFolder()
        defer { folder.remove() }
        let disk = try #require(SmallDisk(kilobytes: 1024))
        let output = disk.url.appendingPathComponent("model").path
        let result = try Emotion.run(trainArguments(output, epochs: 1), in: folder.url)
        #expect(result.status == 1)
        #expect(result.stderr.contains("Warning: cannot write the checkpoint"), "\(result.stderr)")
        #expect(result.stderr.contains("Error: cannot save the model to \(output): No space left on device (model.safetensors)"),
                "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: disk.url.path) == [])
        withExtendedLifetime(disk) {}
    }
}
