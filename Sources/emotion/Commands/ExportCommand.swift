// `emotion export`: writes a saved model as an ONNX file (our own protobuf writer; see EmotionExport),
// to run it with ONNX Runtime or convert it to Core ML / TensorRT.

import Foundation
import EmotionExport
import EmotionTraining

struct ExportCommand: Command {
    /// The export formats.
    enum Format: String, CaseIterable {
        case onnx
    }

    static let name = "export"
    static let abstract = "Export a saved model to ONNX (raw RGB pixels in, class probabilities out)."
    static let options: [OptionSpec] = [
        .value("model", "dir", help: "Model folder written by 'emotion train' or 'emotion finetune'.", required: true,
               kind: .directory),
        .choice("format", Format.self, help: "File format.", default: .onnx),
        .value("output", "file", help: "The file to write (e.g. model.onnx); replaced atomically.", required: true,
               kind: .file),
    ]
    static let discussion = """
        The ONNX graph (opset \(ONNX.opsetVersion)) takes 'input', float32 [N, H, W, 3]: RGB values 0-255 of \
        images already resized to the model's input size with a bilinear resize ('emotion decode FILE --resize \
        WxH' writes exactly those pixels). Its first nodes apply the model's input scale (config.json \
        preprocessing), batch norms are folded into the convolutions, and 'probabilities', float32 [N, classes], \
        holds the softmax output in class order. metadata_props hold class_names (a JSON array), \
        preprocessing (JSON) and architecture. Exit status: 0 on success, 1 when the file cannot be written, 2 \
        for usage or input errors.
        """

    let model: String
    let format: Format
    let output: String

    init(_ arguments: ParsedArguments) throws(CLIError) {
        model = arguments.text("model")
        format = try arguments.choice(defaulted: "format", as: Format.self)
        output = arguments.text("output")
    }

    func run(_ console: Console) throws(CLIError) -> Int32 {
        let saved = try asInputError { try ModelStore.load(from: URL(fileURLWithPath: model)) }
        let exported: ONNX.Model
        do {
            exported = try ONNXExporter.export(saved.model, config: saved.config)
        } catch {
            throw .input("cannot export \(model): \(error)")
        }
        let bytes = exported.serialized()
        do {
            try DurableFiles.replace(URL(fileURLWithPath: output), with: Data(bytes))
        } catch {
            throw .failure("\(error)")
        }
        let input = saved.config.preprocessing
        console.print("Wrote \(output) (\(String(format: "%.1f", Double(bytes.count) / 1_048_576)) MB, ONNX opset "
            + "\(ONNX.opsetVersion)): \(exported.graph.nodes.count) nodes, \(exported.graph.initializers.count) "
            + "initializers; input '\(ONNXExporter.inputName)' float32 [N, \(input.height), \(input.width), 3] "
            + "RGB 0-255, output '\(ONNXExporter.outputName)' float32 [N, \(saved.config.classNames.count)].")
        return ExitCode.success
    }
}
