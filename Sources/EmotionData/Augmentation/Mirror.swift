// The exact mirror image, without a warp: for test-time augmentation and for the mirrored views a frozen
// backbone caches.

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
