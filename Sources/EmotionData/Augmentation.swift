// Training-time augmentation. `finetune` caches what its frozen backbone computes, so an augmented image
// is a second view computed once (the mirror image), and each epoch trains on one view per image, drawn at
// random (`Trainer.trainEpoch(_:images:labels:views:)`).

import EmotionTensor

/// The augmentation a training run applies.
public enum Augmentation: String, Codable, Sendable, CaseIterable {
    /// None: every epoch sees the images as they are (the assignment's setting).
    case none
    /// Random horizontal flips (Keras's `RandomFlip("horizontal")`): each epoch shows every image either as
    /// it is or mirrored left to right, with equal probability.
    case flip

    /// The views of each image: the image itself, then its mirror image when flipping.
    public func views(of images: Tensor) -> [Tensor] {
        switch self {
        case .none: return [images]
        case .flip: return [images, mirroredLeftToRight(images)]
        }
    }
}

/// `images` [N, H, W, C] with every row of pixels reversed.
public func mirroredLeftToRight(_ images: Tensor) -> Tensor {
    precondition(images.rank == 4, "mirroredLeftToRight: images \(images.shape) are not [N, H, W, C]")
    let (rows, width, channels) = (images.shape[0] * images.shape[1], images.shape[2], images.shape[3])
    var result = Tensor(uninitializedShape: images.shape)
    images.withUnsafeBufferPointer { source in
        result.withUnsafeMutableBufferPointer { target in
            let source = source.baseAddress!, target = target.baseAddress!
            for row in 0..<rows {
                let rowStart = row * width * channels
                for x in 0..<width {
                    (target + rowStart + x * channels)
                        .update(from: source + rowStart + (width - 1 - x) * channels, count: channels)
                }
            }
        }
    }
    return result
}
