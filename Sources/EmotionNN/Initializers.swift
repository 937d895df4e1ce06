// Keras initialisers: Glorot (Xavier) uniform for kernels; biases start at zero.

extension Tensor {
    /// Keras `GlorotUniform`: U(−limit, limit) with limit = sqrt(6 / (fanIn + fanOut)). Keras computes the fans
    /// of a conv kernel [kh, kw, cin, cout] as kh·kw·cin and kh·kw·cout, of a dense kernel [in, out] as in, out.
    public static func glorotUniform(shape: [Int], generator: inout SeededGenerator) -> Tensor {
        precondition(shape.count >= 2, "glorotUniform: shape \(shape) needs at least 2 dimensions")
        let receptiveField = shape.dropLast(2).reduce(1, *)
        let fanIn = shape[shape.count - 2] * receptiveField
        let fanOut = shape[shape.count - 1] * receptiveField
        let limit = (6 / Float(fanIn + fanOut)).squareRoot()
        var result = Tensor(uninitializedShape: shape)
        result.withUnsafeMutableBufferPointer { buffer in
            for index in buffer.indices {
                buffer[index] = (2 * generator.nextUnitFloat() - 1) * limit
            }
        }
        return result
    }
}
