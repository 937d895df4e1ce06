// ReduceLROnPlateau: Keras's callback as a value the run feeds once per epoch; it returns the next rate.

/// Keras's `ReduceLROnPlateau(monitor, factor, patience, mode, min_delta, cooldown, min_lr)`: after `patience`
/// epochs in a row without improvement the rate is multiplied by `factor` (not below `minLearningRate`), then
/// `cooldown` epochs pass in which no epoch counts against the patience.
public struct ReduceLROnPlateau: Codable, Sendable, Equatable {
    public let monitor: Monitor
    public let factor: Double
    public let patience: Int
    public let cooldown: Int
    public let minLearningRate: Float
    /// Where the run stands; Codable for checkpoints.
    public private(set) var state = State()

    public struct State: Codable, Sendable, Equatable {
        public var best: Double?
        /// Epochs since the last improvement or reduction (Keras's `wait`).
        public var wait = 0
        /// Cooldown epochs left (Keras's `cooldown_counter`).
        public var cooldownCounter = 0

        public init() {}
    }

    /// Keras's defaults: val_loss, min_delta 1e-4, factor 0.1, patience 10, no cooldown, min_lr 0.
    public init(monitor: Monitor = Monitor(.validationLoss, minDelta: 1e-4), factor: Double = 0.1, patience: Int = 10,
                cooldown: Int = 0, minLearningRate: Float = 0) {
        precondition(factor > 0 && factor < 1, "ReduceLROnPlateau: factor \(factor) is outside (0, 1)")
        precondition(patience >= 0 && cooldown >= 0 && minLearningRate >= 0,
                     "ReduceLROnPlateau: negative patience, cooldown or minimum rate")
        self.monitor = monitor
        self.factor = factor
        self.patience = patience
        self.cooldown = cooldown
        self.minLearningRate = minLearningRate
    }

    /// Call at the end of every epoch with the monitored value and the rate in use; returns the rate for the
    /// next epoch (the same, or reduced).
    public mutating func update(value: Double, learningRate: Float) -> Float {
        if state.cooldownCounter > 0 {
            state.cooldownCounter -= 1
            state.wait = 0
        }
        if monitor.isImprovement(value, over: state.best) {
            state.best = value
            state.wait = 0
            return learningRate
        }
        // As in Keras, the last cooldown epoch (the counter just reached 0) already counts.
        guard state.cooldownCounter == 0 else { return learningRate }
        state.wait += 1
        guard state.wait >= patience, learningRate > minLearningRate else { return learningRate }
        state.cooldownCounter = cooldown
        state.wait = 0
        return Float(max(Double(learningRate) * factor, Double(minLearningRate)))
    }
}
