// Training-time augmentation of `finetune`, whose frozen backbone runs once per view of each image: the
// image itself and, with `flip`, its mirror image (each epoch then trains on one view per image, drawn at
// random).

/// The augmentation a fine-tuning run applies.
public enum Augmentation: String, Codable, Sendable, CaseIterable {
    /// None: every epoch sees the images as they are (the assignment's setting).
    case none
    /// Random horizontal flips (Keras's `RandomFlip("horizontal")`): each epoch shows every image either as
    /// it is or mirrored left to right, with equal probability.
    case flip

    /// How many views of each image the frozen backbone computes.
    public var viewCount: Int { self == .flip ? 2 : 1 }
}

/// Reverses every row of pixels of one HWC image in place.
public func mirrorLeftToRight(_ pixels: UnsafeMutablePointer<Float>, height: Int, width: Int, channels: Int) {
    for y in 0..<height {
        let row = pixels + y * width * channels
        var left = 0, right = width - 1
        while left < right {
            for c in 0..<channels {
                let swapped = row[left * channels + c]
                row[left * channels + c] = row[right * channels + c]
                row[right * channels + c] = swapped
            }
            left += 1
            right -= 1
        }
    }
}
