// `emotion report`: evaluates a saved model and writes one self-contained HTML page about it
// (EmotionReports.ModelReport): figures, model, training curves, confusion heat map, per-class metrics and
// the most confidently wrong images.

import Foundation
import EmotionReports
import EmotionTraining

struct ReportCommand: Command {
    static let name = "report"
    static let abstract = "Write an HTML report of a saved model: curves, confusion matrix, metrics, top mistakes."
    static let options: [OptionSpec] = [
        .value("model", "dir", help: "Model folder written by 'emotion train' or 'emotion finetune'.", required: true,
               kind: .directory),
        .value("data", "dir", help: "Data folder (default: the folder the model was trained on, from its config.json).",
               kind: .directory),
        .choice("subset", Subset.self,
                help: "Files to evaluate; validation and training recreate the model's training split exactly.",
                default: .validation),
        .value("output", "file", help: "The HTML file to write (e.g. report.html); replaced atomically.", required: true,
               kind: .file),
        .value("gallery", "n", help: "How many of the most confidently wrong images to show.", default: "12"),
        .value("batch-size", "n", help: "Images per inference batch (default: the model's training batch size)."),
    ]
    static let discussion = """
        The page needs no network and no other file: charts are inline SVG, thumbnails (the pixels the model \
        saw) are embedded PNGs. It holds the headline figures, the model's configuration and layers, its \
        training curves (history.csv), the confusion matrix as a heat map, per-class precision, recall and F1, \
        and the misclassified images with the highest loss with their three most probable classes. It prints \
        on paper as well. Exit status: 0 on success, 1 when the file cannot be written, 2 for usage or input \
        errors (no model, no data folder, classes that differ from the model's).
        """

    let model: String
    let data: String?
    let subset: Subset
    let output: String
    let galleryCount: Int
    let batchSize: Int?

    init(_ arguments: ParsedArguments) throws(CLIError) {
        model = arguments.text("model")
        data = arguments.string("data")
        subset = try arguments.choice(defaulted: "subset", as: Subset.self)
        output = arguments.text("output")
        galleryCount = try arguments.int(defaulted: "gallery", in: 0...1000)
        batchSize = try arguments.int("batch-size")
    }

    func run(_ console: Console) throws(CLIError) -> Int32 {
        let folderURL = URL(fileURLWithPath: model)
        let saved = try asInputError { try ModelStore.load(from: folderURL) }
        let config = saved.config
        let history = try? ModelStore.loadHistory(from: folderURL)
        let dataPath = data ?? config.training.data
        let (files, _) = try subsetFiles(of: config, data: data, subset: subset)
        console.log("Evaluating \(files.count) files (\(subset.rawValue)) of \(dataPath)...")
        let (images, skipped) = classify(
            files, model: saved.model, preprocessing: config.preprocessing, tta: config.tta,
            batchSize: batchSize ?? config.training.batchSize, warn: { console.log($0) })
        guard !images.isEmpty else {
            throw .input("none of the \(files.count) files of the \(subset.rawValue) subset could be decoded")
        }

        let report = ModelReport(
            name: folderURL.standardizedFileURL.lastPathComponent, model: saved.model, config: config, history: history,
            subsetDescription: subset == .all ? "all of \(dataPath)" : "\(subset.rawValue) subset of \(dataPath)",
            images: images, skipped: skipped, galleryCount: galleryCount)
        do {
            try DurableFiles.replace(URL(fileURLWithPath: output), with: Data(report.html.utf8))
        } catch {
            throw .failure("\(error)")
        }
        let confusion = report.confusion
        console.print("Wrote \(output): accuracy \(String(format: "%.4f", confusion.accuracy)) on \(confusion.total) "
            + "images (\(subset.rawValue)), \(report.topLosses.count) of \(confusion.total - confusion.correct) "
            + "mistakes shown.")
        return ExitCode.success
    }

    /// The report's evaluation pass: the class probabilities of every decodable file, streamed from disk
    /// `batchSize` images at a time, and the files that could not be decoded.
    private func classify(
        _ files: [LabeledFile], model: Sequential, preprocessing: Preprocessing, tta: TestTimeAugmentation,
        batchSize: Int, warn: @escaping @Sendable (String) -> Void
    ) -> (images: [ClassifiedImage], skipped: [SkippedFile]) {
        var images: [ClassifiedImage] = []
        var skipped: [SkippedFile] = []
        for batch in ImageLoader(preprocessing: preprocessing, warn: warn).batches(of: files, batchSize: batchSize) {
            skipped += batch.skipped
            guard !batch.positions.isEmpty else { continue }
            let probabilities = tta.probabilities(of: model, batch.inputs)
            let classes = probabilities.shape[probabilities.rank - 1]
            let scalars = probabilities.scalars
            for (row, position) in batch.positions.enumerated() {
                images.append(ClassifiedImage(
                    file: files[position], probabilities: Array(scalars[(row * classes)..<((row + 1) * classes)])))
            }
        }
        return (images, skipped)
    }
}
