// Classification metrics: running means over samples (as Keras reports loss and accuracy during an
// epoch) and the confusion matrix with per-class precision, recall and F1, macro F1 and balanced accuracy.

/// A sample-weighted running mean: `add(batchMean, count: batchSize)` per batch gives the mean over all
/// samples seen, which is how Keras's loss tracker and accuracy metric report an epoch.
public struct RunningMean: Sendable, Equatable, Codable {
    public private(set) var sum: Double = 0
    public private(set) var count: Int = 0

    public init() {}

    public mutating func add(_ mean: Double, count: Int) {
        sum += mean * Double(count)
        self.count += count
    }

    /// The mean so far; 0 before anything was added.
    public var mean: Double { count > 0 ? sum / Double(count) : 0 }
}

/// Precision, recall, F1 and support of one class.
public struct ClassMetrics: Sendable, Equatable {
    public let precision: Double
    public let recall: Double
    public let f1: Double
    /// How many samples truly belong to the class.
    public let support: Int

    public init(precision: Double, recall: Double, f1: Double, support: Int) {
        self.precision = precision
        self.recall = recall
        self.f1 = f1
        self.support = support
    }
}

/// Counts of (true class, predicted class) pairs; rows are true classes, columns predictions.
public struct ConfusionMatrix: Sendable, Equatable {
    public let classCount: Int
    public private(set) var counts: [[Int]]

    public init(classCount: Int) {
        precondition(classCount > 0, "a confusion matrix needs at least one class")
        self.classCount = classCount
        counts = Array(repeating: Array(repeating: 0, count: classCount), count: classCount)
    }

    public init(counts: [[Int]]) {
        precondition(!counts.isEmpty && counts.allSatisfy { $0.count == counts.count }, "counts must be square")
        classCount = counts.count
        self.counts = counts
    }

    public mutating func add(trueClass: Int, predicted: Int) {
        counts[trueClass][predicted] += 1
    }

    public var total: Int { counts.joined().reduce(0, +) }
    public var correct: Int { (0..<classCount).reduce(0) { $0 + counts[$1][$1] } }
    /// Fraction of samples predicted correctly; 0 for an empty matrix.
    public var accuracy: Double { total > 0 ? Double(correct) / Double(total) : 0 }

    /// Precision, recall and F1 of `classIndex`. A ratio whose denominator is zero (no sample predicted as,
    /// or none belonging to, the class) is 0, as scikit-learn's `zero_division=0` reports it.
    public func metrics(of classIndex: Int) -> ClassMetrics {
        let truePositives = counts[classIndex][classIndex]
        let predicted = (0..<classCount).reduce(0) { $0 + counts[$1][classIndex] }
        let support = counts[classIndex].reduce(0, +)
        let precision = predicted > 0 ? Double(truePositives) / Double(predicted) : 0
        let recall = support > 0 ? Double(truePositives) / Double(support) : 0
        let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
        return ClassMetrics(precision: precision, recall: recall, f1: f1, support: support)
    }

    /// `metrics(of:)` for every class, in class order.
    public var perClass: [ClassMetrics] { (0..<classCount).map(metrics(of:)) }

    /// The mean F1 over the classes that occur, as truth or as prediction (scikit-learn's
    /// `f1_score(average="macro")` over the labels present); 0 for an empty matrix.
    public var macroF1: Double {
        let present = (0..<classCount).filter { c in counts[c].reduce(0, +) > 0 || counts.contains { $0[c] > 0 } }
        return present.isEmpty ? 0 : present.reduce(0) { $0 + metrics(of: $1).f1 } / Double(present.count)
    }

    /// The mean recall over the classes that have samples (scikit-learn's `balanced_accuracy_score`): each
    /// class counts the same however many samples it has; 0 for an empty matrix.
    public var balancedAccuracy: Double {
        let present = (0..<classCount).filter { counts[$0].reduce(0, +) > 0 }
        return present.isEmpty ? 0 : present.reduce(0) { $0 + metrics(of: $1).recall } / Double(present.count)
    }
}
