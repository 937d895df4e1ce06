// Learning-rate schedules: the rate as a function of the optimizer step, as Keras's
// keras.optimizers.schedules define it. The run sets `Adam.learningRate` from one before every step.

import Foundation

/// A learning rate per optimizer step. `step` is the number of updates made before this one (0 for the
/// first), Keras's `optimizer.iterations` when it evaluates its schedule, so pass `adam.iterations`.
public protocol LearningRateSchedule: Sendable {
    func learningRate(atStep step: Int) -> Float
}

/// The same rate at every step (Keras's default, the assignment's recipe).
public struct ConstantLearningRate: LearningRateSchedule, Codable, Equatable {
    public var rate: Float

    public init(_ rate: Float) {
        self.rate = rate
    }

    public func learningRate(atStep step: Int) -> Float { rate }
}

/// Keras's `CosineDecay(initial_learning_rate=initial, decay_steps=d, alpha=α, warmup_target=peak,
/// warmup_steps=w)`, per step. With s = min(step, w + d):
///   s < w:   lr = initial + (peak − initial) · s / w                     (linear warm-up)
///   s ≥ w:   lr = peak · ((1 − α) · ½(1 + cos(π · (s − w) / d)) + α)     (cosine decay, then α·peak)
/// With w = 0 it is Keras's `CosineDecay(peak, d, α)` without warm-up. Keras's step 0 is the first update,
/// so a warm-up from initial 0 makes the first update a no-op, as in Keras.
public struct CosineDecay: LearningRateSchedule, Codable, Equatable {
    /// The rate reached at the end of the warm-up and decayed from (Keras's warmup_target).
    public var peak: Float
    public var warmupSteps: Int
    public var decaySteps: Int
    /// The rate the warm-up starts from (Keras's initial_learning_rate with a warm-up).
    public var initial: Float
    /// The final rate as a fraction of the peak.
    public var alpha: Float

    public init(peak: Float, warmupSteps: Int = 0, decaySteps: Int, initial: Float = 0, alpha: Float = 0) {
        precondition(decaySteps > 0 && warmupSteps >= 0, "CosineDecay: \(decaySteps) decay and \(warmupSteps) warm-up steps")
        self.peak = peak
        self.warmupSteps = warmupSteps
        self.decaySteps = decaySteps
        self.initial = initial
        self.alpha = alpha
    }

    /// The schedule of a run of `epochs` epochs of `stepsPerEpoch` steps that warms up over the first
    /// `warmupEpochs` and decays over the rest.
    public init(peak: Float, epochs: Int, stepsPerEpoch: Int, warmupEpochs: Int, initial: Float = 0, alpha: Float = 0) {
        precondition(warmupEpochs < epochs, "CosineDecay: \(warmupEpochs) warm-up epochs leave none of \(epochs) to decay")
        self.init(peak: peak, warmupSteps: warmupEpochs * stepsPerEpoch,
                  decaySteps: (epochs - warmupEpochs) * stepsPerEpoch, initial: initial, alpha: alpha)
    }

    public func learningRate(atStep step: Int) -> Float {
        let s = Double(min(max(step, 0), warmupSteps + decaySteps))
        if s < Double(warmupSteps) {
            return Float(Double(initial) + Double(peak - initial) * s / Double(warmupSteps))
        }
        let cosine = 0.5 * (1 + cos(Double.pi * (s - Double(warmupSteps)) / Double(decaySteps)))
        return Float(Double(peak) * ((1 - Double(alpha)) * cosine + Double(alpha)))
    }
}
