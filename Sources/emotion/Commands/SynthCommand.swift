// `emotion synth`: draws a small procedural data set of faces with six expressions.

import Foundation
import EmotionSynth
import EmotionTraining

struct SynthCommand: Command {
    static let name = "synth"
    static let abstract = "Draw a procedural data set of faces with six expressions (PNG, one folder per class)."
    static let options: [OptionSpec] = [
        .value("output", "dir", help: "Folder to write the class folders into.", required: true, kind: .directory),
        .value("per-class", "n", help: "Images per class.", default: "\(FaceSynthesizer.defaultPerClass)"),
        .value("seed", "n", help: "Seed of the drawing.", default: "\(FaceSynthesizer.defaultSeed)"),
        .value("size", "pixels", help: "Width and height of each image.", default: "\(FaceSynthesizer.defaultSize)"),
    ]

    let output: String
    let perClass: Int
    let seed: UInt64
    let size: Int

    init(_ arguments: ParsedArguments) throws(CLIError) {
        output = arguments.text("output")
        perClass = try arguments.int(defaulted: "per-class")
        seed = UInt64(try arguments.int(defaulted: "seed", in: 0...Int.max))
        size = try arguments.int(defaulted: "size", in: 16...4096)
    }

    func run(_ console: Console) throws(CLIError) -> Int32 {
        let count: Int
        do {
            count = try FaceSynthesizer().write(
                to: URL(fileURLWithPath: output), perClass: perClass, seed: seed, size: size)
        } catch {
            throw .failure("cannot write the data set to \(output): \(error)")
        }
        console.print("Wrote \(count) images (\(perClass) per class) to \(output)")
        return ExitCode.success
    }
}
