// `emotion report`: one self-contained HTML page about a model on a set of images: headline figures, the
// model (configuration and layers), its training curves, the confusion matrix as a heat map, per-class
// precision/recall/F1, and the images it got most confidently wrong with their top 3 (fastai's
// plot_top_losses). Charts are inline SVG and thumbnails data: PNGs, so the page needs no network and no
// other file; a print stylesheet keeps sections whole on paper.

import Foundation
import EmotionTraining

/// One image of the evaluation with the model's class probabilities.
public struct ClassifiedImage: ClassProbabilities, Sendable {
    public let file: LabeledFile
    public let probabilities: [Float]

    public init(file: LabeledFile, probabilities: [Float]) {
        self.file = file
        self.probabilities = probabilities
    }

    public var isCorrect: Bool { classIndex == file.label }

    /// The cross-entropy of the true class, −log p(true) (p floored at 1e-12).
    public var loss: Double { -log(max(Double(probabilities[file.label]), 1e-12)) }
}

/// Everything the report shows; `html` renders it.
public struct ModelReport {
    /// The model's name on the page (its folder's name).
    public var name: String
    public var model: Sequential
    public var config: ModelConfig
    /// The training history, when the folder has one.
    public var history: History?
    /// Which images were evaluated, e.g. "validation subset of Data".
    public var subsetDescription: String
    public var images: [ClassifiedImage]
    public var skipped: [SkippedFile]
    /// How many of the most confidently wrong images the gallery shows.
    public var galleryCount: Int

    public init(
        name: String, model: Sequential, config: ModelConfig, history: History?, subsetDescription: String,
        images: [ClassifiedImage], skipped: [SkippedFile], galleryCount: Int = 12
    ) {
        self.name = name
        self.model = model
        self.config = config
        self.history = history
        self.subsetDescription = subsetDescription
        self.images = images
        self.skipped = skipped
        self.galleryCount = galleryCount
    }

    public var confusion: ConfusionMatrix {
        var matrix = ConfusionMatrix(classCount: config.classNames.count)
        for image in images { matrix.add(trueClass: image.file.label, predicted: image.classIndex) }
        return matrix
    }

    /// Mean cross-entropy over the images.
    public var loss: Double { images.isEmpty ? 0 : images.map(\.loss).reduce(0, +) / Double(images.count) }

    /// The misclassified images with the highest loss first (the lowest probability of the true class),
    /// at most `galleryCount`.
    public var topLosses: [ClassifiedImage] {
        Array(images.filter { !$0.isCorrect }.sorted { $0.loss > $1.loss }.prefix(galleryCount))
    }

    /// The page. Thumbnails are read from the images' files (those that cannot be read show their name only).
    public var html: String {
        let confusion = self.confusion
        let perClass = confusion.perClass
        let title = "\(name): model report"
        var page = [
            "<!DOCTYPE html>",
            "<html lang=\"en\">",
            "<head>",
            "<meta charset=\"utf-8\">",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
            "<title>\(escapedMarkup(title))</title>",
            "<style>\(Self.stylesheet)</style>",
            "</head>",
            "<body>",
            "<main>",
            "<header>",
            "<p class=\"eyebrow\">emotion model report</p>",
            "<h1>\(escapedMarkup(name))</h1>",
            "<p class=\"subtitle\">\(escapedMarkup(config.architecture)) · \(escapedMarkup(subsetDescription)) · "
                + "\(images.count) images · \(config.classNames.count) classes</p>",
            "</header>",
            "<section class=\"kpis\" id=\"figures\">",
            kpi("Accuracy", fixed(confusion.accuracy, 4), "\(confusion.correct) of \(confusion.total) correct"),
            kpi("Balanced accuracy", fixed(confusion.balancedAccuracy, 4), "mean recall over classes"),
            kpi("Macro F1", fixed(confusion.macroF1, 4), "mean F1 over classes"),
            kpi("Loss", fixed(loss, 4), "mean cross-entropy"),
            kpi("Parameters", ModelComparison.grouped(model.parameterCount), "\(model.layers.count) top-level layers"),
            "</section>",
        ]
        page += modelSection()
        page += historySection()
        page.append("<section id=\"evaluation\" class=\"columns\">")
        page.append("<div><h2>Confusion matrix</h2>")
        page.append(ConfusionMatrixChart(confusion: confusion, classNames: config.classNames,
                                         title: "\(name) — \(subsetDescription)").inlineSVG)
        page.append("</div>")
        page.append("<div><h2>Per-class metrics</h2>")
        page += metricsTable(perClass, confusion: confusion)
        page.append("</div>")
        page.append("</section>")
        page += gallerySection()
        if !skipped.isEmpty {
            page.append("<section id=\"skipped\"><h2>Skipped files</h2><ul class=\"skipped\">")
            page += skipped.map { "<li><code>\(escapedMarkup($0.file))</code>: \(escapedMarkup($0.reason))</li>" }
            page.append("</ul></section>")
        }
        page += [
            "<footer>Written by emotion \(escapedMarkup(EmotionVersion.current)) from the model folder and its "
                + "evaluation; the page is self-contained (inline SVG charts, embedded PNG thumbnails).</footer>",
            "</main>",
            "</body>",
            "</html>",
        ]
        return page.joined(separator: "\n") + "\n"
    }

    // MARK: Sections

    private func kpi(_ label: String, _ value: String, _ note: String) -> String {
        "<div class=\"kpi\"><div class=\"label\">\(label)</div><div class=\"value\">\(value)</div>"
            + "<div class=\"note\">\(escapedMarkup(note))</div></div>"
    }

    private func modelSection() -> [String] {
        let training = config.training
        let input = config.inputShape.map(String.init).joined(separator: " × ")
        var facts: [(String, String)] = [
            ("Architecture", config.architecture),
            ("Input", "\(input), RGB; resized with bilinear interpolation, then \(config.preprocessing.scale.formula)"),
            ("Classes", config.classNames.joined(separator: ", ")),
            ("Parameters", "\(ModelComparison.grouped(model.parameterCount)) (\(ModelComparison.grouped(model.trainableParameterCount)) trainable)"),
            ("Training", "\(training.epochs) epoch\(training.epochs == 1 ? "" : "s"), batch \(training.batchSize), "
                + "\(training.effectiveRecipe.weightDecay > 0 ? "AdamW" : "Adam") at \(training.learningRate), "
                + "seed \(training.seed)"),
            ("Recipe", training.effectiveRecipe.summary),
            ("Data", "\(training.data), validation split \(training.validationSplit)"),
        ]
        if let fineTuning = config.fineTuning {
            let phase: String
            switch fineTuning.unfreeze {
            case .none: phase = "head only, backbone frozen"
            case .all: phase = "then all backbone units"
            case .top(let count): phase = "then the top \(count) backbone units"
            }
            let tuned = fineTuning.unfreeze == .none ? ""
                : " for \(fineTuning.fineTuneEpochs) epochs at \(fineTuning.fineTuneLearningRate)"
            facts.append(("Transfer", "\(phase)\(tuned); pretrained weights \(fineTuning.weights)"))
        }
        facts.append(("Written by", "emotion \(config.emotionVersion)"))
        var lines = ["<section id=\"model\" class=\"columns\">", "<div><h2>Model</h2>", "<table class=\"facts\">"]
        lines += facts.map { "<tr><th>\($0.0)</th><td>\(escapedMarkup($0.1))</td></tr>" }
        lines += ["</table>", "</div>", "<div><h2>Layers</h2>", "<table class=\"layers\">",
                  "<thead><tr><th>Layer (type)</th><th>Output shape</th><th class=\"num\">Param #</th></tr></thead>",
                  "<tbody>"]
        for row in model.summaryRows {
            lines.append("<tr><td>\(escapedMarkup(row.name)) <span class=\"muted\">(\(escapedMarkup(row.type)))</span></td>"
                + "<td><code>(None, \(row.outputShape.map(String.init).joined(separator: ", ")))</code></td>"
                + "<td class=\"num\">\(ModelComparison.grouped(row.parameters))</td></tr>")
        }
        lines += ["</tbody>", "</table>", "</div>", "</section>"]
        return lines
    }

    private func historySection() -> [String] {
        var lines = ["<section id=\"history\">", "<h2>Training history</h2>"]
        if let history, !history.records.isEmpty {
            lines.append(TrainingCurveChart(history: history, title: name).inlineSVG)
            let last = history.records[history.records.count - 1]
            var summary = "Last epoch (\(last.epoch)): accuracy \(fixed(last.accuracy, 4)), loss \(fixed(last.loss, 4))"
            if let accuracy = last.validationAccuracy, let loss = last.validationLoss {
                summary += "; validation accuracy \(fixed(accuracy, 4)), validation loss \(fixed(loss, 4))"
            }
            if let best = history.records.filter({ $0.validationAccuracy != nil })
                .max(by: { $0.validationAccuracy! < $1.validationAccuracy! }) {
                summary += "; best validation accuracy \(fixed(best.validationAccuracy!, 4)) at epoch \(best.epoch)"
            }
            lines.append("<p class=\"muted\">\(summary).</p>")
        } else {
            lines.append("<p class=\"muted\">The model folder has no training history (history.csv).</p>")
        }
        lines.append("</section>")
        return lines
    }

    private func metricsTable(_ perClass: [ClassMetrics], confusion: ConfusionMatrix) -> [String] {
        func bar(_ value: Double) -> String {
            "<div class=\"bar\"><span style=\"width: \(String(format: "%.1f", value * 100))%\"></span></div>"
        }
        var lines = [
            "<table class=\"metrics\">",
            "<thead><tr><th>Class</th><th class=\"num\">Precision</th><th class=\"num\">Recall</th>"
                + "<th class=\"num\">F1</th><th class=\"chart\"></th><th class=\"num\">Support</th></tr></thead>",
            "<tbody>",
        ]
        for (name, metrics) in zip(config.classNames, perClass) {
            lines.append("<tr><td>\(escapedMarkup(name))</td><td class=\"num\">\(fixed(metrics.precision, 3))</td>"
                + "<td class=\"num\">\(fixed(metrics.recall, 3))</td><td class=\"num\">\(fixed(metrics.f1, 3))</td>"
                + "<td class=\"chart\">\(bar(metrics.f1))</td><td class=\"num\">\(metrics.support)</td></tr>")
        }
        lines += [
            "</tbody>",
            "<tfoot><tr><td>Macro F1</td><td></td><td></td><td class=\"num\">\(fixed(confusion.macroF1, 3))</td>"
                + "<td class=\"chart\">\(bar(confusion.macroF1))</td><td class=\"num\">\(confusion.total)</td></tr></tfoot>",
            "</table>",
            "<p class=\"muted\">Precision: of the images predicted as the class, the share that belong to it. "
                + "Recall: of the images of the class, the share predicted as it. A ratio with nothing to divide "
                + "by is 0. Macro F1 is the mean F1 of the classes that occur (scikit-learn's average=\"macro\").</p>",
        ]
        return lines
    }

    private func gallerySection() -> [String] {
        let mistakes = topLosses
        var lines = ["<section id=\"top-losses\">", "<h2>Most confident mistakes</h2>"]
        guard !mistakes.isEmpty else {
            lines += ["<p class=\"muted\">No image of this subset is misclassified.</p>", "</section>"]
            return lines
        }
        let wrong = images.filter { !$0.isCorrect }.count
        lines.append("<p class=\"muted\">The \(mistakes.count) misclassified images with the highest loss "
            + "(−log of the probability of the true class) of \(wrong), as the model sees them; each with its three most probable classes.</p>")
        lines.append("<div class=\"gallery\">")
        let names = config.classNames
        for image in mistakes {
            let picture: String
            if let png = Thumbnail.png(of: image.file.url, preprocessing: config.preprocessing) {
                picture = "<img src=\"data:image/png;base64,\(Data(png).base64EncodedString())\" alt=\""
                    + "\(escapedMarkup(image.file.relativePath))\">"
            } else {
                picture = "<div class=\"missing\">not readable</div>"
            }
            let top = image.top(3).map { entry in
                let kind = entry.index == image.file.label ? " class=\"truth\"" : entry.index == image.classIndex ? " class=\"guess\"" : ""
                return "<li\(kind)><span class=\"name\">\(escapedMarkup(names[entry.index]))</span>"
                    + "<span class=\"bar\"><span style=\"width: \(String(format: "%.1f", entry.probability * 100))%\"></span></span>"
                    + "<span class=\"p\">\(fixed(Double(entry.probability), 2))</span></li>"
            }
            lines += [
                "<figure>",
                picture,
                "<figcaption>",
                "<dl class=\"verdict\"><dt>predicted</dt><dd class=\"guess\">\(escapedMarkup(names[image.classIndex]))</dd>"
                    + "<dt>true</dt><dd class=\"truth\">\(escapedMarkup(names[image.file.label]))</dd></dl>",
                "<ol class=\"top3\">" + top.joined() + "</ol>",
                "<div class=\"muted small\">loss \(fixed(image.loss, 2)) · p(true) "
                    + "\(fixed(Double(image.probabilities[image.file.label]), 3))</div>",
                "<div class=\"path\">\(escapedMarkup(image.file.relativePath))</div>",
                "</figcaption>",
                "</figure>",
            ]
        }
        lines += ["</div>", "</section>"]
        return lines
    }

    private func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }

    static let stylesheet = """

        :root { --ink: #1c2230; --muted: #5f6878; --line: #e2e5eb; --accent: #2563eb; --good: #1b7f3b;
          --bad: #c0362c; --page: #f5f6f8; }
        * { box-sizing: border-box; }
        body { margin: 0; background: var(--page); color: var(--ink);
          font: 14px/1.5 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
        main { max-width: 1120px; margin: 0 auto; padding: 32px 28px 40px; }
        header { margin-bottom: 20px; }
        .eyebrow { margin: 0; color: var(--accent); font-size: 12px; font-weight: 600; letter-spacing: .08em;
          text-transform: uppercase; }
        h1 { margin: 2px 0 4px; font-size: 28px; letter-spacing: -.01em; }
        h2 { margin: 0 0 12px; font-size: 16px; }
        .subtitle, .muted { color: var(--muted); }
        .subtitle { margin: 0; }
        section { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 20px 24px;
          margin-top: 18px; }
        section.kpis { display: grid; grid-template-columns: repeat(5, minmax(0, 1fr)); gap: 12px; background: none;
          border: 0; padding: 0; }
        .kpi { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 12px 16px; }
        .kpi .label { color: var(--muted); font-size: 11px; font-weight: 600; letter-spacing: .06em;
          text-transform: uppercase; }
        .kpi .value { font-size: 26px; font-weight: 650; font-variant-numeric: tabular-nums; }
        .kpi .note { color: var(--muted); font-size: 12px; }
        .columns { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 28px; }
        #evaluation { grid-template-columns: minmax(0, 1.15fr) minmax(0, 0.85fr); }
        table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
        th, td { padding: 6px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
        thead th { color: var(--muted); font-size: 12px; font-weight: 600; }
        tfoot td { font-weight: 600; border-bottom: 0; }
        .facts th { width: 28%; color: var(--muted); font-weight: 500; }
        .num { text-align: right; }
        td.chart, th.chart { width: 22%; }
        code { font: 12px/1.4 ui-monospace, "SF Mono", Menlo, Consolas, monospace; }
        .layers code { white-space: nowrap; }
        svg { display: block; max-width: 100%; height: auto; }
        .bar { display: block; height: 8px; background: #e8edf6; border-radius: 4px; overflow: hidden; }
        .bar > span { display: block; height: 100%; background: var(--accent); }
        .gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 14px; }
        figure { margin: 0; border: 1px solid var(--line); border-radius: 8px; overflow: hidden; background: #fff; }
        figure img, figure .missing { display: block; width: 100%; aspect-ratio: 1; object-fit: cover;
          background: #eceef2; }
        figure .missing { display: flex; align-items: center; justify-content: center; color: var(--muted); }
        figcaption { padding: 8px 10px 10px; font-size: 12.5px; }
        .verdict { display: grid; grid-template-columns: auto 1fr; gap: 0 8px; margin: 0 0 6px; }
        .verdict dt { color: var(--muted); }
        .verdict dd { margin: 0; font-weight: 650; }
        .verdict .guess { color: var(--bad); }
        .verdict .truth { color: var(--good); }
        .top3 { list-style: none; margin: 0 0 6px; padding: 0; }
        .top3 li { display: grid; grid-template-columns: 64px 1fr 34px; gap: 6px; align-items: center; }
        .top3 .bar { height: 6px; }
        .top3 li.guess .bar > span { background: var(--bad); }
        .top3 li.truth .bar > span { background: var(--good); }
        .top3 .p { text-align: right; font-variant-numeric: tabular-nums; }
        .small { font-size: 11.5px; }
        .path { color: var(--muted); font-size: 11px; overflow-wrap: anywhere; margin-top: 2px; }
        .skipped { margin: 0; padding-left: 18px; }
        footer { color: var(--muted); font-size: 12px; margin-top: 22px; text-align: center; }
        @media (max-width: 820px) {
          section.kpis { grid-template-columns: repeat(3, minmax(0, 1fr)); }
          .columns, #evaluation { grid-template-columns: 1fr; }
        }
        @media print {
          @page { margin: 14mm; }
          * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
          body { background: #fff; font-size: 11px; }
          main { max-width: none; padding: 0; }
          section { border: 0; padding: 0; margin-top: 14px; break-inside: avoid; }
          #top-losses, #model, #evaluation { break-inside: auto; }
          #model > div, #evaluation > div { break-inside: avoid; }
          .kpi { padding: 8px 10px; }
          .gallery { grid-template-columns: repeat(4, 1fr); }
          figure { break-inside: avoid; }
        }

        """
}
