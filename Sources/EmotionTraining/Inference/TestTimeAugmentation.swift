// Test-time augmentation: the mean of the class probabilities of an image and of its mirror image, a
// cheap and common way to steady a small model's predictions (timm's and fastai's `tta`).

import Foundation

public enum TestTimeAugmentation: String, Codable, Sendable, CaseIterable {
    /// The image alone.
    case none
    /// The mean of the probabilities of the image and of its left-right mirror.
    case flip

    /// The class probabilities [n, classes] of `images` [n, h, w, c] (model input) under this augmentation.
    public func probabilities(of model: Sequential, _ images: Tensor) -> Tensor {
        let plain = model.predict(images)
        guard self == .flip else { return plain }
        var mirrored = images
        let (count, height, width, channels) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        mirrored.withUnsafeMutableBufferPointer { buffer in
            for image in 0..<count {
                mirrorLeftToRight(buffer.baseAddress! + image * height * width * channels, height: height, width: width,
                                  channels: channels)
            }
        }
        let flipped = model.predict(mirrored)
        var mean = plain
        mean.withUnsafeMutableBufferPointer { mean in
            flipped.withUnsafeBufferPointer { flipped in
                for i in mean.indices { mean[i] = (mean[i] + flipped[i]) / 2 }
            }
        }
        return mean
    }
}

/// The mean loss of class probabilities [n, classes] against `labels` with `options`' label smoothing ε
/// (targets t = (1 − ε)·onehot + ε/classes) and q: Σ_j t_j·(−log p_j), or Σ_j t_j·(1 − p_j^q)/q. Class weights
/// do not apply (as to Keras's `val_loss`). Probabilities are clipped to [1e-7, 1 − 1e-7] first, as Keras's
/// cross-entropy on probabilities does, so a zero probability costs 16.1 rather than infinity.
func crossEntropy(probabilities: Tensor, labels: [Int32], options: CrossEntropyOptions) -> Double {
    let classes = probabilities.shape.last ?? 1
    let (epsilon, smoothing, q) = (1e-7, Double(options.labelSmoothing), Double(options.gceQ))
    return probabilities.withUnsafeBufferPointer { values in
        var total = 0.0
        for (row, label) in labels.enumerated() {
            for k in 0..<classes {
                let target = smoothing / Double(classes) + (k == Int(label) ? 1 - smoothing : 0)
                guard target > 0 else { continue }
                let p = min(max(Double(values[row * classes + k]), epsilon), 1 - epsilon)
                total += target * (q == 0 ? -log(p) : (1 - pow(p, q)) / q)
            }
        }
        return labels.isEmpty ? 0 : total / Double(labels.count)
    }
}
