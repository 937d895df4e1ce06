// Monitor: the epoch metric a callback watches and Keras's rule for when it improved (MonitorCallback),
// shared by early stopping and ReduceLROnPlateau.

/// An epoch metric by its Keras name.
public enum MonitoredMetric: String, Codable, Sendable, CaseIterable {
    case loss
    case accuracy
    case validationLoss = "val_loss"
    case validationAccuracy = "val_accuracy"

    /// Keras's mode "auto": a loss improves downwards, an accuracy upwards.
    public var defaultMode: MonitorMode {
        self == .loss || self == .validationLoss ? .min : .max
    }

    /// The metric's value in an epoch's record; nil for a validation metric of a run without validation.
    public func value(in record: EpochRecord) -> Double? {
        switch self {
        case .loss: return record.loss
        case .accuracy: return record.accuracy
        case .validationLoss: return record.validationLoss
        case .validationAccuracy: return record.validationAccuracy
        }
    }
}

/// Whether a smaller or a larger value is better.
public enum MonitorMode: String, Codable, Sendable, CaseIterable {
    case min
    case max
}

/// Which metric to watch, which way is better, and by how much a value must beat the best to count.
public struct Monitor: Codable, Sendable, Equatable {
    public var metric: MonitoredMetric
    public var mode: MonitorMode
    /// A change of at most this much is no improvement (Keras takes its absolute value).
    public var minDelta: Double

    /// `mode` nil follows the metric (Keras's "auto").
    public init(_ metric: MonitoredMetric = .validationLoss, mode: MonitorMode? = nil, minDelta: Double = 0) {
        self.metric = metric
        self.mode = mode ?? metric.defaultMode
        self.minDelta = abs(minDelta)
    }

    /// Keras's `_is_improvement`: true when there is no best yet, else value + minDelta < best (min) or
    /// value − minDelta > best (max). NaN never improves on a best.
    public func isImprovement(_ value: Double, over best: Double?) -> Bool {
        guard let best else { return true }
        return mode == .min ? value + minDelta < best : value - minDelta > best
    }
}
