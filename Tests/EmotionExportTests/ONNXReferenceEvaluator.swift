// A naive ONNX interpreter for the operators `emotion export` writes, written from the operator
// specifications (onnx/docs/Operators.md, opset 13): the tests' stand-in for onnxruntime, so that an exported
// graph can be run and compared with the Swift model without Python. Plain loops, float32 arithmetic.

import Foundation
@testable import EmotionExport

/// A tensor of the interpreter: row-major values and a shape.
struct ReferenceValue {
    var shape: [Int]
    var values: [Float]

    init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "reference value: \(values.count) values for \(shape)")
        self.shape = shape
        self.values = values
    }
}

struct ReferenceEvaluatorError: Error, CustomStringConvertible {
    let description: String
}

/// Runs `graph` on `inputs` (by name) and returns every value it computed, by name.
func evaluate(_ graph: ONNX.Graph, inputs: [String: ReferenceValue]) throws -> [String: ReferenceValue] {
    var values = inputs
    for initializer in graph.initializers {
        values[initializer.name] = ReferenceValue(shape: initializer.dims, values: initializer.values)
    }
    for node in graph.nodes {
        let arguments = try node.inputs.map { name -> ReferenceValue in
            guard let value = values[name] else { throw ReferenceEvaluatorError(description: "\(node.name): no value \(name)") }
            return value
        }
        if node.opType == "Split" {
            // Equal parts along axis 0, one per output (no `split` input).
            let x = arguments[0], parts = node.outputs.count
            let rows = x.shape[0] / parts, rowSize = x.values.count / x.shape[0]
            for (index, output) in node.outputs.enumerated() {
                values[output] = ReferenceValue(
                    shape: [rows] + x.shape.dropFirst(),
                    values: Array(x.values[(index * rows * rowSize)..<((index + 1) * rows * rowSize)]))
            }
        } else {
            values[node.outputs[0]] = try apply(node, arguments)
        }
    }
    return values
}

private func ints(_ node: ONNX.Node, _ name: String) -> [Int]? {
    if case .ints(let values)? = node.attribute(name) { return values }
    return nil
}

private func int(_ node: ONNX.Node, _ name: String) -> Int? {
    if case .int(let value)? = node.attribute(name) { return value }
    return nil
}

private func apply(_ node: ONNX.Node, _ x: [ReferenceValue]) throws -> ReferenceValue {
    switch node.opType {
    case "Mul": return broadcast(x[0], x[1], *)
    case "Add": return broadcast(x[0], x[1], +)
    case "Relu": return map(x[0]) { max($0, 0) }
    case "Clip":
        let (low, high) = (x[1].values[0], x[2].values[0])
        return map(x[0]) { min(max($0, low), high) }
    case "Sigmoid": return map(x[0]) { 1 / (1 + expf(-$0)) }
    case "Transpose": return transpose(x[0], ints(node, "perm")!)
    case "Conv": return convolution(node, x[0], weight: x[1], bias: x.count > 2 ? x[2] : nil)
    case "MaxPool": return maxPool(node, x[0])
    case "GlobalAveragePool":
        let (n, c, plane) = (x[0].shape[0], x[0].shape[1], x[0].shape[2] * x[0].shape[3])
        let means = (0..<(n * c)).map { row in x[0].values[(row * plane)..<((row + 1) * plane)].reduce(0, +) / Float(plane) }
        return ReferenceValue(shape: [n, c, 1, 1], values: means)
    case "Flatten":
        let axis = int(node, "axis") ?? 1
        return ReferenceValue(shape: [x[0].shape[..<axis].reduce(1, *), x[0].shape[axis...].reduce(1, *)], values: x[0].values)
    case "Gemm": return matrixProduct(x[0], x[1], bias: x.count > 2 ? x[2] : nil)
    case "MatMul":
        // Leading axes of the first operand are rows (numpy's matmul with a matrix second operand).
        let k = x[0].shape.last!
        let product = matrixProduct(ReferenceValue(shape: [x[0].values.count / k, k], values: x[0].values), x[1], bias: nil)
        return ReferenceValue(shape: x[0].shape.dropLast() + [x[1].shape[1]], values: product.values)
    case "Concat":
        guard int(node, "axis") == 0 else { throw ReferenceEvaluatorError(description: "\(node.name): Concat only on axis 0") }
        return ReferenceValue(shape: [x.map { $0.shape[0] }.reduce(0, +)] + x[0].shape.dropFirst(), values: x.flatMap(\.values))
    case "Softmax":
        let (rows, columns) = (x[0].shape[0], x[0].shape[1])
        var out = x[0].values
        for row in 0..<rows {
            let slice = out[(row * columns)..<((row + 1) * columns)]
            let top = slice.max()!
            let exps = slice.map { expf($0 - top) }
            let sum = exps.reduce(0, +)
            for (column, value) in exps.enumerated() { out[row * columns + column] = value / sum }
        }
        return ReferenceValue(shape: x[0].shape, values: out)
    default:
        throw ReferenceEvaluatorError(description: "\(node.name): operator \(node.opType) is not implemented")
    }
}

private func map(_ x: ReferenceValue, _ transform: (Float) -> Float) -> ReferenceValue {
    ReferenceValue(shape: x.shape, values: x.values.map(transform))
}

private func strides(_ shape: [Int]) -> [Int] {
    var result = [Int](repeating: 1, count: shape.count)
    for axis in stride(from: shape.count - 2, through: 0, by: -1) { result[axis] = result[axis + 1] * shape[axis + 1] }
    return result
}

/// NumPy-style broadcasting of two tensors.
private func broadcast(_ a: ReferenceValue, _ b: ReferenceValue, _ combine: (Float, Float) -> Float) -> ReferenceValue {
    let rank = max(a.shape.count, b.shape.count)
    let shapeA = [Int](repeating: 1, count: rank - a.shape.count) + a.shape
    let shapeB = [Int](repeating: 1, count: rank - b.shape.count) + b.shape
    let shape = zip(shapeA, shapeB).map { max($0, $1) }
    let (stridesA, stridesB, stridesOut) = (strides(shapeA), strides(shapeB), strides(shape))
    let count = shape.reduce(1, *)
    var out = [Float](repeating: 0, count: count)
    for index in 0..<count {
        var (offsetA, offsetB) = (0, 0)
        for axis in 0..<rank {
            let position = index / stridesOut[axis] % shape[axis]
            if shapeA[axis] > 1 { offsetA += position * stridesA[axis] }
            if shapeB[axis] > 1 { offsetB += position * stridesB[axis] }
        }
        out[index] = combine(a.values[offsetA], b.values[offsetB])
    }
    return ReferenceValue(shape: shape, values: out)
}

private func transpose(_ x: ReferenceValue, _ perm: [Int]) -> ReferenceValue {
    let shape = perm.map { x.shape[$0] }
    let (inStrides, outStrides) = (strides(x.shape), strides(shape))
    var out = [Float](repeating: 0, count: x.values.count)
    for index in out.indices {
        var offset = 0
        for axis in 0..<shape.count { offset += index / outStrides[axis] % shape[axis] * inStrides[perm[axis]] }
        out[index] = x.values[offset]
    }
    return ReferenceValue(shape: shape, values: out)
}

/// NCHW convolution with OIHW weights, `group`, `strides` and explicit `pads` [top, left, bottom, right].
private func convolution(_ node: ONNX.Node, _ x: ReferenceValue, weight: ReferenceValue, bias: ReferenceValue?) -> ReferenceValue {
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (o, cPerGroup, kh, kw) = (weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3])
    let group = int(node, "group") ?? 1
    let stride = ints(node, "strides") ?? [1, 1]
    let pads = ints(node, "pads") ?? [0, 0, 0, 0]
    let oh = (h + pads[0] + pads[2] - kh) / stride[0] + 1
    let ow = (w + pads[1] + pads[3] - kw) / stride[1] + 1
    let outPerGroup = o / group
    precondition(cPerGroup * group == c, "conv: \(c) channels, \(group) groups, weight \(weight.shape)")
    var out = [Float](repeating: 0, count: n * o * oh * ow)
    x.values.withUnsafeBufferPointer { input in
        weight.values.withUnsafeBufferPointer { kernel in
            for image in 0..<n {
                for filter in 0..<o {
                    let firstChannel = filter / outPerGroup * cPerGroup
                    for row in 0..<oh {
                        for column in 0..<ow {
                            var sum = bias?.values[filter] ?? 0
                            for channel in 0..<cPerGroup {
                                for ky in 0..<kh {
                                    let y = row * stride[0] + ky - pads[0]
                                    guard y >= 0 && y < h else { continue }
                                    for kx in 0..<kw {
                                        let xx = column * stride[1] + kx - pads[1]
                                        guard xx >= 0 && xx < w else { continue }
                                        sum += input[((image * c + firstChannel + channel) * h + y) * w + xx]
                                            * kernel[((filter * cPerGroup + channel) * kh + ky) * kw + kx]
                                    }
                                }
                            }
                            out[((image * o + filter) * oh + row) * ow + column] = sum
                        }
                    }
                }
            }
        }
    }
    return ReferenceValue(shape: [n, o, oh, ow], values: out)
}

private func maxPool(_ node: ONNX.Node, _ x: ReferenceValue) -> ReferenceValue {
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let kernel = ints(node, "kernel_shape")!, stride = ints(node, "strides") ?? [1, 1]
    let (oh, ow) = ((h - kernel[0]) / stride[0] + 1, (w - kernel[1]) / stride[1] + 1)
    var out = [Float](repeating: -.infinity, count: n * c * oh * ow)
    for plane in 0..<(n * c) {
        for row in 0..<oh {
            for column in 0..<ow {
                for ky in 0..<kernel[0] {
                    for kx in 0..<kernel[1] {
                        let value = x.values[(plane * h + row * stride[0] + ky) * w + column * stride[1] + kx]
                        out[(plane * oh + row) * ow + column] = max(out[(plane * oh + row) * ow + column], value)
                    }
                }
            }
        }
    }
    return ReferenceValue(shape: [n, c, oh, ow], values: out)
}

/// A [N, K] × B [K, M] (+ C [M]).
private func matrixProduct(_ a: ReferenceValue, _ b: ReferenceValue, bias: ReferenceValue?) -> ReferenceValue {
    let (n, k, m) = (a.shape[0], a.shape[1], b.shape[1])
    var out = [Float](repeating: 0, count: n * m)
    for row in 0..<n {
        for column in 0..<m {
            var sum = bias?.values[column] ?? 0
            for inner in 0..<k { sum += a.values[row * k + inner] * b.values[inner * m + column] }
            out[row * m + column] = sum
        }
    }
    return ReferenceValue(shape: [n, m], values: out)
}
