// Ctrl-C and SIGTERM during training: the first asks the run to stop after the current step and save a
// checkpoint; a second one exits at once (the last complete checkpoint stays valid: it is written atomically).

import Dispatch
import EmotionTraining
import Foundation

final class InterruptSignals {
    private var sources: [DispatchSourceSignal] = []

    /// Routes SIGINT and SIGTERM to `interruption` until this object is released.
    init(interruption: Interruption, console: Console) {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)  // delivered to the dispatch source instead of ending the process
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if interruption.request(signal: number) {
                    console.log("\n\(number == SIGINT ? "Interrupt" : "SIGTERM") received: stopping after the current "
                        + "step and saving a checkpoint (press Ctrl-C again to stop at once).")
                } else {
                    console.log("\nStopping at once; the last complete checkpoint stays valid.")
                    _exit(128 + number)
                }
            }
            source.resume()
            sources.append(source)
        }
    }

    deinit {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
