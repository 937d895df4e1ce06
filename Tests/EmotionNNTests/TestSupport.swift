// Fixtures of the NN tests, read with our own safetensors reader.

import Foundation
import EmotionTestSupport
@testable import EmotionNN

/// A file in Tests/EmotionNNTests/Fixtures, located from this source file (never the working directory).
func fixtureURL(_ name: String) -> URL {
    RepositoryPaths.fixtures().appendingPathComponent(name)
}

/// Loads a fixture with our own safetensors reader.
func loadFixture(_ name: String) throws -> SafeTensors.Contents {
    try SafeTensors.read(contentsOf: fixtureURL(name))
}
