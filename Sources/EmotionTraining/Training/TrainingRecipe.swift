// The recipe of a training run beyond the assignment's: augmentation, learning-rate schedule, early stopping
// and which weights to keep, class balance and regularisation. Recorded in config.json; its default is the
// assignment's recipe (no augmentation, a constant rate, the last epoch's weights).

/// How the learning rate changes during a phase.
public enum LearningRateScheduleChoice: String, Codable, Sendable, CaseIterable {
    /// The phase's rate throughout (the assignment's).
    case constant
    /// Linear warm-up over `warmupEpochs`, then cosine decay to 0 at the end of the phase, per step (Keras's
    /// `CosineDecay(warmup_steps)`).
    case cosine
    /// Keras's `ReduceLROnPlateau` on the monitored metric: ×`plateauFactor` after `plateauPatience` epochs
    /// without improvement.
    case plateau
}

/// How samples of the classes weigh in the loss.
public enum ClassWeighting: String, Codable, Sendable, CaseIterable {
    /// All the same (the assignment's).
    case none
    /// Keras's `class_weight` with n / (classes × count): every class weighs the same in total.
    case balanced
}

public struct TrainingRecipe: Codable, Sendable, Equatable {
    /// Applied on the fly to each training image every epoch (Keras's preprocessing layers).
    public var augment: ImageAugmentation
    public var lrSchedule: LearningRateScheduleChoice
    /// Epochs of linear warm-up at the start of each phase (cosine schedule).
    public var warmupEpochs: Int
    /// ReduceLROnPlateau's factor and patience (plateau schedule; Keras's defaults are 0.1 and 10).
    public var plateauFactor: Double
    public var plateauPatience: Int
    /// Epochs without improvement of `monitor` after which a phase ends (Keras's `EarlyStopping`); nil never.
    public var earlyStopping: Int?
    /// The metric early stopping, the plateau schedule and `keep best` watch.
    public var monitor: MonitoredMetric
    /// The smallest change of `monitor` that counts as an improvement (Keras's `min_delta`).
    public var minDelta: Double
    /// The weights a run ends with: the best epoch's by `monitor`, or the last epoch's.
    public var keep: KeptWeights
    public var classWeight: ClassWeighting
    /// ε: targets become (1 − ε)·onehot + ε/classes (Keras's `label_smoothing`).
    public var labelSmoothing: Double
    /// Decoupled weight decay of the kernels (AdamW); 0 is Adam.
    public var weightDecay: Double
    /// q of the generalised cross-entropy (Zhang & Sabuncu 2018) trained and validated with in place of the
    /// cross-entropy, so photos the model firmly disagrees with, often wrong labels, pull less; nil (absent
    /// from config.json) is the cross-entropy.
    public var gceQ: Double?
    /// α of Keras's MixUp on every training batch (λ ~ Beta(α, α)); nil (absent from config.json) is none.
    public var mixup: Double?
    /// The test-time augmentation the saved model is evaluated and predicts with unless told otherwise
    /// (`evaluate`, `predict`, `report`, `compare`, `export`, and the run's final "Test Accuracy"); nil
    /// (absent from config.json) is none.
    public var tta: TestTimeAugmentation?

    public init(
        augment: ImageAugmentation = .none, lrSchedule: LearningRateScheduleChoice = .constant, warmupEpochs: Int = 0,
        plateauFactor: Double = 0.1, plateauPatience: Int = 10, earlyStopping: Int? = nil,
        monitor: MonitoredMetric = .validationLoss, minDelta: Double = 0, keep: KeptWeights = .last,
        classWeight: ClassWeighting = .none, labelSmoothing: Double = 0, weightDecay: Double = 0,
        gceQ: Double? = nil, mixup: Double? = nil, tta: TestTimeAugmentation? = nil
    ) {
        self.augment = augment
        self.lrSchedule = lrSchedule
        self.warmupEpochs = warmupEpochs
        self.plateauFactor = plateauFactor
        self.plateauPatience = plateauPatience
        self.earlyStopping = earlyStopping
        self.monitor = monitor
        self.minDelta = minDelta
        self.keep = keep
        self.classWeight = classWeight
        self.labelSmoothing = labelSmoothing
        self.weightDecay = weightDecay
        self.gceQ = gceQ == 0 ? nil : gceQ
        self.mixup = mixup == 0 ? nil : mixup
        self.tta = tta == TestTimeAugmentation.none ? nil : tta
    }

    /// The assignment's recipe.
    public static let assignment = TrainingRecipe()

    /// The loss of training steps for a training set with `counts` samples per class.
    public func trainingLoss(classCounts counts: [Int]) -> CrossEntropyOptions {
        var loss = validationLoss
        if classWeight == .balanced { loss.classWeights = CrossEntropyOptions.balancedClassWeights(counts: counts) }
        return loss
    }

    /// The loss of validation: label smoothing and the generalised cross-entropy apply, class weights do not
    /// (as Keras reports `val_loss`).
    public var validationLoss: CrossEntropyOptions {
        CrossEntropyOptions(labelSmoothing: Float(labelSmoothing), gceQ: Float(gceQ ?? 0))
    }

    /// The observers that carry out the schedule, early stopping and the kept weights.
    public func observers(model: Sequential) -> [any TrainingObserver] {
        var observers: [any TrainingObserver] = []
        if lrSchedule != .constant {
            observers.append(LearningRateScheduler(recipe: self))
        }
        if earlyStopping != nil || keep == .best {
            observers.append(BestEpochKeeper(recipe: self, model: model))
        }
        return observers
    }

    /// What the recipe adds to the assignment's, in words ("the assignment's recipe" when nothing), for
    /// reports: e.g. "augment flip; cosine schedule; early stopping after 15 epochs on val_loss; best epoch kept".
    public var summary: String {
        var parts: [String] = []
        if augment != .none { parts.append("augment \(augment.description)") }
        switch lrSchedule {
        case .constant: break
        case .cosine: parts.append(warmupEpochs > 0 ? "cosine schedule after \(warmupEpochs) warm-up epochs" : "cosine schedule")
        case .plateau: parts.append("rate ×\(plateauFactor) after \(plateauPatience) epochs on a plateau of \(monitor.rawValue)")
        }
        if let earlyStopping { parts.append("early stopping after \(earlyStopping) epochs without a better \(monitor.rawValue)") }
        if keep == .best { parts.append("best epoch by \(monitor.rawValue) kept") }
        if classWeight == .balanced { parts.append("balanced class weights") }
        if labelSmoothing > 0 { parts.append("label smoothing \(labelSmoothing)") }
        if weightDecay > 0 { parts.append("weight decay \(weightDecay) (AdamW)") }
        if let gceQ { parts.append("generalised cross-entropy q \(gceQ)") }
        if let mixup { parts.append("MixUp alpha \(mixup)") }
        if let tta { parts.append("\(tta.rawValue) TTA at inference") }
        return parts.isEmpty ? "the assignment's recipe" : parts.joined(separator: "; ")
    }

    /// The monitor of `monitor` with `minDelta`, in the metric's own direction.
    var watcher: Monitor { Monitor(monitor, minDelta: minDelta) }
}
