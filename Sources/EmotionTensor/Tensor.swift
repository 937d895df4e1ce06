// Tensor: a shaped, row-major Float32 array with copy-on-write storage (data only, no gradient fields).

import EmotionKernels

/// Storage of a tensor's scalars, shared by `Tensor` values until one of them writes. Its memory comes
/// from, and goes back to, the current `BufferPool`.
final class TensorStorage: @unchecked Sendable {
    // @unchecked: the buffer is only written through a uniquely referenced `Tensor` (copy-on-write), so a
    // storage reachable from two threads is never written.
    let buffer: UnsafeMutableBufferPointer<Float>
    private let block: BufferPool.Block
    private let pool: BufferPool

    init(count: Int) {
        pool = BufferPool.current
        block = pool.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride)
        let base = block.pointer.bindMemory(to: Float.self, capacity: max(count, 1))
        buffer = UnsafeMutableBufferPointer(start: base, count: count)
    }

    deinit {
        pool.deallocate(block)
    }

    func copy() -> TensorStorage {
        let result = TensorStorage(count: buffer.count)
        result.buffer.baseAddress!.update(from: buffer.baseAddress!, count: buffer.count)
        return result
    }
}

/// A Float32 tensor: a shape and row-major scalars. Image batches are NHWC, conv kernels HWIO
/// `[kh, kw, cin, cout]`, dense kernels `[in, out]`. A value type: copies share storage until written.
public struct Tensor: Sendable {
    /// Dimensions, outermost first. `[]` is a scalar (one element).
    public private(set) var shape: [Int]
    private var storage: TensorStorage

    /// Number of scalars (the product of `shape`).
    public var count: Int { storage.buffer.count }

    /// Number of dimensions.
    public var rank: Int { shape.count }

    /// A tensor whose scalars are all `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        self.init(uninitializedShape: shape)
        storage.buffer.baseAddress!.initialize(repeating: value, count: storage.buffer.count)
    }

    /// A tensor with the given row-major scalars; `scalars.count` must equal the product of `shape`.
    public init(shape: [Int], scalars: [Float]) {
        self.init(uninitializedShape: shape)
        precondition(scalars.count == count, "Tensor: \(scalars.count) scalars do not fill shape \(shape)")
        scalars.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { storage.buffer.baseAddress!.update(from: base, count: count) }
        }
    }

    /// A tensor whose scalars are NOT initialised: write every element (e.g. with
    /// `withUnsafeMutableBufferPointer`) before reading any. Used for kernel outputs and batch buffers.
    public init(uninitializedShape shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in \(shape)")
        self.shape = shape
        storage = TensorStorage(count: shape.reduce(1, *))
    }

    /// A rank-0 tensor holding `value`.
    public init(scalar value: Float) {
        self.init(shape: [], repeating: value)
    }

    /// The scalars in row-major order (a copy).
    public var scalars: [Float] {
        Array(storage.buffer)
    }

    /// The first scalar: the value of a rank-0 or one-element tensor.
    public var scalar: Float {
        precondition(count > 0, "Tensor.scalar on an empty tensor")
        return storage.buffer[0]
    }

    /// Calls `body` with the scalars (valid only during the call).
    public func withUnsafeBufferPointer<Result>(
        _ body: (UnsafeBufferPointer<Float>) throws -> Result
    ) rethrows -> Result {
        try body(UnsafeBufferPointer(storage.buffer))
    }

    /// Calls `body` with writable scalars, copying the storage first if another tensor shares it.
    public mutating func withUnsafeMutableBufferPointer<Result>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> Result
    ) rethrows -> Result {
        if !isKnownUniquelyReferenced(&storage) {
            storage = storage.copy()
        }
        return try body(storage.buffer)
    }

    /// The same scalars viewed with another shape of the same element count (shares storage).
    public func reshaped(to newShape: [Int]) -> Tensor {
        precondition(newShape.allSatisfy { $0 >= 0 } && newShape.reduce(1, *) == count,
                     "Tensor: cannot reshape \(shape) to \(newShape)")
        var result = self
        result.shape = newShape
        return result
    }

    /// A copy with the axes reordered: result axis i is axis `order[i]` of this tensor (NumPy's
    /// `transpose(order)`), e.g. `[2, 3, 1, 0]` turns an OIHW conv kernel into HWIO.
    public func permuted(_ order: [Int]) -> Tensor {
        precondition(order.sorted() == Array(shape.indices), "Tensor: \(order) is not a permutation of \(shape.count) axes")
        let outShape = order.map { shape[$0] }
        var inStrides = [Int](repeating: 1, count: shape.count)
        for axis in stride(from: shape.count - 2, through: 0, by: -1) {
            inStrides[axis] = inStrides[axis + 1] * shape[axis + 1]
        }
        let strides = order.map { inStrides[$0] }
        var result = Tensor(uninitializedShape: outShape)
        withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                var index = [Int](repeating: 0, count: outShape.count)
                for position in 0..<target.count {
                    var offset = 0
                    for axis in 0..<index.count { offset += index[axis] * strides[axis] }
                    target[position] = source[offset]
                    var axis = index.count - 1
                    while axis >= 0 {
                        index[axis] += 1
                        if index[axis] < outShape[axis] { break }
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
        return result
    }
}

extension Tensor: Equatable {
    /// Equal when shapes and all scalars are equal.
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        lhs.shape == rhs.shape && (lhs.storage === rhs.storage || lhs.storage.buffer.elementsEqual(rhs.storage.buffer))
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let preview = storage.buffer.prefix(8).map { "\($0)" }.joined(separator: ", ")
        return "Tensor(shape: \(shape), scalars: [\(preview)\(count > 8 ? ", …" : "")])"
    }
}

/// Runs `body` with a pointer to `tensor`'s values, or nil without a tensor (an optional bias).
public func withOptionalPointer<Result>(_ tensor: Tensor?, _ body: (UnsafePointer<Float>?) -> Result) -> Result {
    guard let tensor else { return body(nil) }
    return tensor.withUnsafeBufferPointer { body($0.baseAddress!) }
}

// Pointer access for the ops in this module: one closure level per operand, pointers valid inside only.
extension Tensor {
    func withPointer<Result>(_ body: (UnsafePointer<Float>) throws -> Result) rethrows -> Result {
        try body(UnsafePointer(storage.buffer.baseAddress!))
    }

    mutating func withMutablePointer<Result>(_ body: (UnsafeMutablePointer<Float>) throws -> Result) rethrows -> Result {
        try withUnsafeMutableBufferPointer { try body($0.baseAddress!) }
    }

    /// self += other, elementwise (same count).
    mutating func accumulate(_ other: Tensor) {
        precondition(other.count == count, "Tensor: accumulating \(other.shape) into \(shape)")
        let n = count
        other.withPointer { source in
            withMutablePointer { target in Kernels.accumulate(source, into: target, count: n) }
        }
    }
}

extension Tensor {
    /// The rows `indices` of a [n, …] tensor, in that order (repeats allowed): `[indices.count, …]`.
    public func rows(_ indices: [Int]) -> Tensor {
        precondition(rank >= 1, "Tensor.rows: a scalar has no rows")
        let rowSize = shape.dropFirst().reduce(1, *)
        var result = Tensor(uninitializedShape: [indices.count] + shape.dropFirst())
        withPointer { source in
            result.withMutablePointer { target in
                for (index, row) in indices.enumerated() {
                    precondition(row >= 0 && row < shape[0], "Tensor.rows: row \(row) of \(shape[0])")
                    (target + index * rowSize).update(from: source + row * rowSize, count: rowSize)
                }
            }
        }
        return result
    }
}

extension Tensor {
    /// Row r becomes weights[r]·row r + (1 − weights[r])·row partners[r] of a [n, …] tensor (mixup's blend).
    public func blendingRows(partners: [Int], weights: [Float]) -> Tensor {
        precondition(rank >= 1 && partners.count == shape[0] && weights.count == shape[0],
                     "Tensor.blendingRows: \(partners.count) partners and \(weights.count) weights for \(shape)")
        precondition(partners.allSatisfy { $0 >= 0 && $0 < shape[0] }, "Tensor.blendingRows: a partner is outside the rows")
        let columns = shape.dropFirst().reduce(1, *)
        guard shape[0] > 0 else { return self }
        var result = Tensor(uninitializedShape: shape)
        withPointer { x in
            partners.withUnsafeBufferPointer { p in
                weights.withUnsafeBufferPointer { w in
                    result.withMutablePointer { out in
                        Kernels.blendRows(x, partners: p.baseAddress!, weights: w.baseAddress!, rows: shape[0],
                                          columns: columns, out)
                    }
                }
            }
        }
        return result
    }
}

extension Tensor {
    /// Writes the rows of `source` ([indices.count, …]) to the rows `indices` of this [n, …] tensor.
    public mutating func setRows(_ indices: [Int], from source: Tensor) {
        let rowSize = shape.dropFirst().reduce(1, *)
        precondition(source.count == indices.count * rowSize, "Tensor.setRows: \(source.shape) is not \(indices.count) rows of \(shape)")
        let rowCount = shape[0]
        source.withPointer { source in
            withMutablePointer { target in
                for (index, row) in indices.enumerated() {
                    precondition(row >= 0 && row < rowCount, "Tensor.setRows: row \(row) of \(rowCount)")
                    (target + row * rowSize).update(from: source + index * rowSize, count: rowSize)
                }
            }
        }
    }
}
