// The demo data set shipped in Data/: a valid data folder, and what the documented `emotion synth`
// command draws (Data/README.md).
import Foundation
import ImageCodecs
import EmotionTestSupport
import Testing
import EmotionSynth
import EmotionData

@Suite struct DemoDataTests {
    private let data = RepositoryPaths.demoData

    @Test func isASixClassFolderThatDecodesCompletely() throws {
        let folder = try ImageFolder(root: data)
        #expect(folder.classNames == FacialExpression.allCases.map(\.rawValue))
        #expect(folder.files.count == 6 * FaceSynthesizer.defaultPerClass)
        #expect(folder.validation.count == Int(0.2 * Double(folder.files.count)))
        #expect(ImageLoader.undecodableFiles(folder.files).isEmpty)
    }

    @Test func holdsWhatTheSynthesizerDrawsWithTheDefaults() throws {
        let synthesizer = FaceSynthesizer()
        let perClass = FaceSynthesizer.defaultPerClass
        for expression in FacialExpression.allCases {
            for index in [0, perClass / 2, perClass - 1] {
                let name = String(format: "%@/%@_%04d.png", expression.rawValue, expression.rawValue, index + 1)
                let shipped = try decodeImage([UInt8](try Data(contentsOf: data.appendingPathComponent(name))))
                let drawn = synthesizer.image(of: expression, index: index, seed: FaceSynthesizer.defaultSeed,
                                              size: FaceSynthesizer.defaultSize)
                #expect(shipped == drawn, "\(name) differs from what synth draws")
            }
        }
    }
}
