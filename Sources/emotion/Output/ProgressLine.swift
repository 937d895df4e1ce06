// Keras 3's progress bar (`keras.utils.Progbar`): a live bar rewritten with \r on a terminal
// (verbose=1) and one plain line per epoch when piped (verbose=2), with the same number formats.

import Foundation

struct ProgressLine {
    /// Steps in the epoch (batches).
    let target: Int
    let console: Console
    private let start = Date()
    private var lastDrawn = Date.distantPast
    private var lastLength = 0

    init(target: Int, console: Console) {
        self.target = target
        self.console = console
    }

    /// Redraws the live bar after `step` of `target` steps (terminal only; at most ~20 times a second).
    mutating func update(step: Int, metrics: [(String, Double)]) {
        guard console.isTerminal, step < target else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDrawn) >= 0.05 else { return }
        lastDrawn = now
        let elapsed = now.timeIntervalSince(start)
        let perStep = elapsed / Double(step)
        let eta = perStep * Double(target - step)
        draw(Self.bar(step: step, target: target) + " " + Self.bold(Self.formatETA(eta))
            + Self.formatPerStep(perStep) + Self.formatMetrics(metrics), finished: false)
    }

    /// Prints the epoch's final line: the full bar on a terminal, Keras's verbose=2 line otherwise.
    mutating func finish(metrics: [(String, Double)]) {
        let elapsed = Date().timeIntervalSince(start)
        let perStep = elapsed / Double(max(target, 1))
        let seconds = String(format: "%.0fs", elapsed)
        if console.isTerminal {
            draw(Self.bar(step: target, target: target) + " " + Self.bold(seconds)
                + Self.formatPerStep(perStep) + Self.formatMetrics(metrics), finished: true)
        } else {
            console.print(Self.counter(step: target, target: target) + " - \(seconds) -"
                + Self.formatPerStep(perStep) + Self.formatMetrics(metrics))
        }
    }

    private mutating func draw(_ line: String, finished: Bool) {
        // Clear what is left of a longer previous line, as Keras does.
        let padding = max(0, lastLength - line.count)
        lastLength = line.count
        console.write("\r" + line + String(repeating: " ", count: padding) + (finished ? "\n" : ""))
    }

    // MARK: Keras's formats

    /// `12/28` with the step right-aligned to the target's width.
    static func counter(step: Int, target: Int) -> String {
        String(step).leftPadded(to: String(target).count) + "/\(target)"
    }

    /// `12/28 ━━━━━━━━━━━━━━━━━━━━`: a 20-wide bar, the done part green, the rest grey.
    static func bar(step: Int, target: Int) -> String {
        let width = 20
        let done = target > 0 ? width * step / target : width
        var bar = bold(counter(step: step, target: target)) + " "
        if done > 0 { bar += "\u{1B}[32m" + String(repeating: "━", count: done) + "\u{1B}[0m" }
        bar += "\u{1B}[37m" + String(repeating: "━", count: width - done) + "\u{1B}[0m"
        return bar
    }

    /// ` 52ms/step`, ` 2s/step` or ` 850us/step`, rounded to whole units.
    static func formatPerStep(_ seconds: Double) -> String {
        if seconds >= 1 || seconds == 0 { return String(format: " %.0fs/step", seconds) }
        if seconds >= 1e-3 { return String(format: " %.0fms/step", seconds * 1e3) }
        return String(format: " %.0fus/step", seconds * 1e6)
    }

    /// The remaining time: `42s`, `3:05` or `1:02:03`.
    static func formatETA(_ seconds: Double) -> String {
        let whole = Int(seconds)
        if whole > 3600 { return String(format: "%d:%02d:%02d", whole / 3600, whole % 3600 / 60, whole % 60) }
        if whole > 60 { return String(format: "%d:%02d", whole / 60, whole % 60) }
        return "\(whole)s"
    }

    /// ` - accuracy: 0.2532 - loss: 1.7596`: four decimals, scientific at or below 1e-3 in magnitude.
    static func formatMetrics(_ metrics: [(String, Double)]) -> String {
        metrics.map { name, value in " - \(name): " + formatValue(value) }.joined()
    }

    static func formatValue(_ value: Double) -> String {
        abs(value) > 1e-3 ? String(format: "%.4f", value) : String(format: "%.4e", value)
    }

    private static func bold(_ text: String) -> String {
        "\u{1B}[1m" + text + "\u{1B}[0m"
    }
}
