// What `train` and `finetune` share after building their run: checkpoints and --resume, Ctrl-C, the
// Keras-style log, the final validation as the assignment reports it, and saving the model folder.

import Foundation
import EmotionReports
import EmotionTraining

/// `--resume`, `--keep-checkpoint`, and the command line that resumes this run.
struct CheckpointOptions {
    let resume: Bool
    let keep: Bool
    /// `emotion train --model task1-small ... --resume`, quoted for a POSIX shell.
    let resumeCommand: String
}

extension OptionSpec {
    static let cacheMemory = OptionSpec.value(
        "cache-memory", "size",
        help: "Memory for decoded images kept between epochs, e.g. 500MB or 4GB; 0 decodes every image every "
            + "epoch. Results are the same whatever the size.",
        default: MemorySize.defaultCacheBudget.description)
    static let resume = OptionSpec.flag(
        "resume", help: "Continue the interrupted run of the same command from its checkpoint (beside the output "
            + "folder), exactly as if it had not stopped.")
    static let keepCheckpoint = OptionSpec.flag(
        "keep-checkpoint", help: "Keep the checkpoint when the run completes (it is removed otherwise).")
}

extension ParsedArguments {
    /// `--cache-memory`.
    func cacheMemory() throws(CLIError) -> MemorySize {
        let text = self.text("cache-memory")
        guard let size = MemorySize(parsing: text) else {
            throw .usage("'--cache-memory' expects a size such as 0, 500MB or 4GB, got '\(text)'")
        }
        return size
    }

    /// `--resume` and `--keep-checkpoint` of `command`.
    func checkpointOptions(command: String) -> CheckpointOptions {
        let words = [toolName, command] + given + (flag("resume") ? [] : ["--resume"])
        return CheckpointOptions(
            resume: flag("resume"), keep: flag("keep-checkpoint"), resumeCommand: words.map(shellQuoted).joined(separator: " "))
    }
}

/// `word` as a POSIX shell reads it back: as is when safe, else in single quotes.
func shellQuoted(_ word: String) -> String {
    let safe = word.allSatisfy { $0.isLetter || $0.isNumber || "-_./=,:+@%".contains($0) }
    return safe && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

/// The one-line report of an interrupted run, and its exit status (128 + the signal: 130 for Ctrl-C, 143
/// for SIGTERM).
func report(_ interrupted: TrainingInterrupted, options: CheckpointOptions, console: Console) -> Int32 {
    if console.isTerminal { console.write("\n") }
    guard let epoch = interrupted.epoch else {
        console.print("Interrupted before training began (while the frozen backbone ran over the images); nothing "
            + "to resume: run the command again.")
        return 128 + interrupted.signal
    }
    let position = interrupted.step < interrupted.steps
        ? "in epoch \(epoch)/\(interrupted.totalEpochs) (step \(interrupted.step)/\(interrupted.steps))"
        : "after epoch \(epoch)/\(interrupted.totalEpochs)"
    if let checkpoint = interrupted.checkpoint {
        console.print("Interrupted \(position); checkpoint saved to \(checkpoint.path); resume with: "
            + options.resumeCommand)
    } else {
        console.print("Interrupted \(position); the checkpoint could not be saved (see the warning above).")
    }
    return 128 + interrupted.signal
}

/// The checkpoint folder of `output`, resumed from when `--resume` asks (refusing a missing checkpoint or
/// one made with other settings), or cleared of a stale earlier run's checkpoint otherwise.
func prepareCheckpoints(
    _ run: TrainingRun, identity: RunIdentity, output: String, options: CheckpointOptions, console: Console
) throws(CLIError) {
    let store = CheckpointStore(beside: URL(fileURLWithPath: output))
    run.checkpointing = TrainingRun.Checkpointing(store: store, identity: identity)
    guard options.resume else {
        if store.exists {
            console.print("Starting afresh: removing the checkpoint of an earlier run at \(store.folder.path) "
                + "(add --resume to continue that run instead).")
            store.remove()
        }
        return
    }
    do throws(CheckpointError) {
        let checkpoint = try store.load()
        try run.resume(from: checkpoint)
        console.print("Resuming from \(store.folder.path): \(checkpoint.history.records.count) of \(run.totalEpochs) "
            + "epochs done" + (checkpoint.step > 0 ? ", \(checkpoint.step) steps into epoch \(checkpoint.epoch)." : "."))
    } catch .settingsDiffer(let path, let differences) {
        let list = differences.map { "\(flagName(of: $0.setting)) (checkpoint: \($0.then), now: \($0.now))" }
        throw .input("the checkpoint \(path) was made with other options: \(list.joined(separator: ", ")); resume "
            + "with the same options, or start afresh without --resume")
    } catch {
        throw .input("\(error)")
    }
}

/// The option that sets a config.json setting (`training.batch_size` → `--batch-size`).
func flagName(of setting: String) -> String {
    let key = setting.split(separator: ".").last.map(String.init) ?? setting
    let renamed = ["architecture": "model", "augmentation": "augment", "input_shape": "image-size"][key] ?? key
    return "--" + renamed.replacingOccurrences(of: "_", with: "-")
}

/// Runs `run` with the progress log and Ctrl-C handling, prints `Test Accuracy: 0.551` (the last epoch's
/// validation: same data, same weights, so it is not computed again; with the model's test-time augmentation
/// the `validation` files are evaluated once more with it), saves `model` with `config`, the history and its
/// chart into `output`, and removes the checkpoint unless asked to keep it. Returns the exit status (0, or
/// 130/143 when interrupted).
func trainAndSave(
    _ run: TrainingRun, model: Sequential, config: () -> ModelConfig, validation: [LabeledFile], output: String,
    options: CheckpointOptions, interruption: Interruption, console: Console
) throws(CLIError) -> Int32 {
    run.observers.append(TrainingProgress(console: console))
    run.interruption = interruption
    do {
        try run.fit()
    } catch let interrupted as TrainingInterrupted {
        return report(interrupted, options: options, console: console)
    } catch {
        throw .input("\(error)")
    }
    let config = config()
    if let plain = run.lastValidation {
        if config.tta == .none {
            console.print(String(format: "Test Accuracy: %.3f", plain.accuracy))
        } else {
            // The files' warnings were given during training.
            let augmented = Evaluation.of(
                model, files: validation, preprocessing: config.preprocessing, classCount: config.classNames.count,
                batchSize: config.training.batchSize, tta: config.tta, warn: { _ in }
            ).evaluation
            console.print(String(format: "Test Accuracy: %.3f (%@ TTA; %.3f without)", augmented.accuracy,
                                 config.tta.rawValue, plain.accuracy))
        }
    } else {
        console.print("No validation images: no test accuracy.")
    }
    let chart = TrainingCurveChart(history: run.history, title: config.architecture).svg
    do {
        try ModelStore.save(
            model, config: config, history: run.history,
            attachments: [ModelStore.historyChartFileName: Data(chart.utf8)], to: URL(fileURLWithPath: output))
    } catch {
        throw .failure("\(error)")
    }
    console.print("Saved model to \(output)")
    if let store = run.checkpointing?.store {
        if options.keep {
            console.print("Kept the checkpoint at \(store.folder.path).")
        } else {
            store.remove()
        }
    }
    return ExitCode.success
}
