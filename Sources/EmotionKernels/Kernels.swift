// The `Kernels` namespace and the small enums its kernels share.
//
// Every kernel takes raw `Unsafe(Mutable)Pointer<Float>` and `Int` dimensions (never tensors), works on
// row-major data, and OVERWRITES its outputs unless its documentation says otherwise. Activations are NHWC
// (channels last, like Keras), conv kernels HWIO, dense weights [inFeatures, outFeatures].

/// Fast CPU kernels (SIMD, cache-blocked, parallel over the cores). `Kernels.Reference` holds naive twins.
public enum Kernels {}

/// Convolution padding. `same` is TensorFlow SAME: output = ceil(input / stride), with the odd pixel of
/// padding at the bottom/right.
public enum Padding: String, Sendable, Codable {
    case valid, same
}

/// The activation a kernel can fuse into its output pass. Convolutions and `addBias` apply any of them;
/// the backward kernels know ReLU's gradient (`reluOutput`), so ReLU6 and SiLU are fused for inference.
public enum Activation: String, CaseIterable, Sendable, Codable {
    case linear, relu, relu6, silu
}

extension Kernels {
    /// f(x) for a fused activation, one value (the scalar twin of the vector epilogues).
    @inline(__always)
    static func activate(_ x: Float, _ activation: Activation) -> Float {
        switch activation {
        case .linear: x
        case .relu: max(x, 0)
        case .relu6: min(max(x, 0), 6)
        case .silu: x * logistic(x)
        }
    }

    /// f(v) per lane for a fused activation.
    @_transparent
    static func activate(_ v: SIMD16<Float>, _ activation: Activation) -> SIMD16<Float> {
        switch activation {
        case .linear: v
        case .relu: v.replacing(with: 0, where: v .< 0)
        case .relu6: clamp(v, SIMD16(repeating: 0), SIMD16(repeating: 6))
        case .silu: v * logistic(v)
        }
    }
}
