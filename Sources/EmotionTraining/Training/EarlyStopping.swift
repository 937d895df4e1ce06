// EarlyStopping: Keras's callback as a value the run feeds once per epoch, which also tracks the best epoch so
// the run can end with the best weights whatever ended it (`KeptWeights`).

/// Keras's `EarlyStopping(monitor, min_delta, patience, mode)`: training stops after `patience` epochs in a
/// row without improvement (`Monitor.isImprovement` against the best so far). The best epoch is the last
/// one that improved, as Keras's `restore_best_weights` keeps it.
public struct EarlyStopping: Codable, Sendable, Equatable {
    public let monitor: Monitor
    /// Epochs without improvement that stop training; nil never stops (the best epoch is still tracked).
    public let patience: Int?
    /// Where the run stands; Codable for checkpoints.
    public private(set) var state = State()

    public struct State: Codable, Sendable, Equatable {
        /// The best monitored value so far and the epoch that reached it.
        public var best: Double?
        public var bestEpoch: Int?
        /// Epochs since the last improvement (Keras's `wait`).
        public var wait = 0
        /// The epoch that stopped training, if one did.
        public var stoppedEpoch: Int?

        public init() {}
    }

    /// What the run does after an epoch.
    public enum Decision: Sendable, Equatable {
        /// A new best: keep a copy of the weights (`ParameterSnapshot`) when keeping the best.
        case improved
        case noImprovement
        /// Patience ran out: this was the last epoch.
        case stop
    }

    public init(monitor: Monitor = Monitor(), patience: Int?) {
        precondition(patience.map { $0 >= 0 } ?? true, "EarlyStopping: patience \(patience!) is negative")
        self.monitor = monitor
        self.patience = patience
    }

    /// Call at the end of every epoch with its number (as the run counts them) and the monitored value.
    public mutating func update(epoch: Int, value: Double) -> Decision {
        state.wait += 1
        if monitor.isImprovement(value, over: state.best) {
            state.best = value
            state.bestEpoch = epoch
            state.wait = 0
            return .improved
        }
        if let patience, state.wait >= patience {
            state.stoppedEpoch = epoch
            return .stop
        }
        return .noImprovement
    }
}

/// The weights a run ends with.
public enum KeptWeights: String, Codable, Sendable, CaseIterable {
    /// Those of the best epoch by the monitored metric (`EarlyStopping.state.bestEpoch`), however training
    /// ended (Keras restores them only when its own callback has `restore_best_weights`).
    case best
    /// Those of the last epoch (Keras's default, the assignment's recipe).
    case last
}
