// add: elementwise a + b of equal shapes, and its VJP (the gradient passes to both, shared, not copied).

import EmotionKernels

/// Elementwise `a + b`; the shapes must be equal.
public func add(_ a: Variable, _ b: Variable) -> Variable {
    precondition(a.shape == b.shape, "add: shapes \(a.shape) and \(b.shape) differ")
    let n = a.value.count
    var y = Tensor(uninitializedShape: a.shape)
    a.value.withPointer { ap in
        b.value.withPointer { bp in y.withMutablePointer { yp in Kernels.add(ap, bp, yp, count: n) } }
    }
    return Variable.result(y, of: [a, b]) { dy, needs in
        [needs[0] ? dy : nil, needs[1] ? dy : nil]
    }
}

/// Elementwise `a + b` (see `add(_:_:)`).
public func + (a: Variable, b: Variable) -> Variable {
    add(a, b)
}
