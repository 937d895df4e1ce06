// Tests of the recipe as the run carries it out: early stopping ends a phase and the best epoch's weights
// come back on a scripted loss curve; the cosine schedule sets every step's rate as its formula says; the
// plateau schedule lowers the rate; the recipe's losses reach the steps and the validation.

import Foundation
import Testing
import EmotionData
import EmotionNN
import EmotionTestSupport
@testable import EmotionTraining

/// Dense(3, softmax) on one-value inputs, and a few samples of three classes.
private func smallRun(epochs: Int, recipe: TrainingRecipe, phases: Int = 1) -> TrainingRun {
    let model = Sequential(inputShape: [1], layers: [Dense(units: 3, activation: .softmax)], seed: 3)
    let data = TensorRowSource(rows: Tensor(shape: [6, 1], scalars: [0, 1, 2, 0.1, 1.1, 2.1]), labels: [0, 1, 2, 0, 1, 2])
    let run = TrainingRun(
        model: model,
        phases: (0..<phases).map { _ in
            TrainingRun.Phase(description: "", model: model, training: data, validation: data, epochs: epochs,
                              learningRate: 0.1, weightDecay: recipe.weightDecay,
                              trainingLoss: recipe.trainingLoss(classCounts: [2, 2, 2]), validationLoss: recipe.validationLoss)
        },
        batchSize: 2, seed: 3, classCount: 3)
    run.observers = recipe.observers(model: model)
    return run
}

private func record(_ epoch: Int, validationLoss: Double) -> EpochRecord {
    EpochRecord(epoch: epoch, accuracy: 0, loss: 1, validationAccuracy: 0, validationLoss: validationLoss, seconds: 0)
}

@Test func earlyStoppingEndsThePhaseAndTheBestWeightsComeBack() throws {
    // val_loss 1.0, 0.8 (best), 0.85, 0.9: patience 2 stops after epoch 4; keep best restores epoch 2's weights.
    let recipe = TrainingRecipe(earlyStopping: 2, keep: .best)
    let run = smallRun(epochs: 10, recipe: recipe)
    let keeper = try #require(run.observers.first as? BestEpochKeeper)
    let weight = run.model.parameters[0]
    keeper.phaseWillBegin(run, phase: run.phases[0])
    for (epoch, loss) in [1.0, 0.8, 0.85, 0.9].enumerated() {
        weight.value = Tensor(shape: weight.value.shape, repeating: Float(epoch + 1))  // "the weights of epoch n"
        keeper.epochDidEnd(run, record: record(epoch + 1, validationLoss: loss))
        #expect(run.endPhaseRequested == (epoch + 1 == 4), "after epoch \(epoch + 1)")
    }
    keeper.trainingDidEnd(run)
    #expect(run.keptEpoch == 2)
    #expect(weight.value.scalars.allSatisfy { $0 == 2 })

    // With keep last, the weights stay the last epoch's; early stopping still ends the phase.
    let last = smallRun(epochs: 10, recipe: TrainingRecipe(earlyStopping: 1, keep: .last))
    let lastKeeper = try #require(last.observers.first as? BestEpochKeeper)
    let lastWeight = last.model.parameters[0]
    lastKeeper.phaseWillBegin(last, phase: last.phases[0])
    for (epoch, loss) in [1.0, 1.2].enumerated() {
        lastWeight.value = Tensor(shape: lastWeight.value.shape, repeating: Float(epoch + 1))
        lastKeeper.epochDidEnd(last, record: record(epoch + 1, validationLoss: loss))
    }
    lastKeeper.trainingDidEnd(last)
    #expect(last.endPhaseRequested && last.keptEpoch == nil)
    #expect(lastWeight.value.scalars.allSatisfy { $0 == 2 })
}

@Test func aStoppedPhaseHandsItsBestWeightsToTheNextOne() throws {
    let run = smallRun(epochs: 5, recipe: TrainingRecipe(earlyStopping: 1, keep: .best), phases: 2)
    try run.fit()
    // Each phase stops at most one epoch after its best; the history runs on across the phases.
    let epochs = run.history.records.map(\.epoch)
    #expect(epochs == epochs.sorted() && Set(epochs).count == epochs.count)
    let best = try #require(run.history.records.min { $0.validationLoss! < $1.validationLoss! })
    #expect(run.keptEpoch == best.epoch)
    #expect(run.lastValidation?.loss == best.validationLoss)
}

/// Records the rate of every step.
private final class RateLog: TrainingObserver {
    var rates: [Float] = []
    func batchDidEnd(_ run: TrainingRun, progress: BatchProgress) { rates.append(run.optimizer.learningRate) }
}

@Test func theCosineScheduleSetsEveryStepsRate() throws {
    let run = smallRun(epochs: 4, recipe: TrainingRecipe(lrSchedule: .cosine, warmupEpochs: 1))
    let log = RateLog()
    run.observers.append(log)
    try run.fit()
    // 3 steps per epoch: 3 warm-up steps, then 9 of decay (Keras's CosineDecay, step 0 is the first update).
    let schedule = CosineDecay(peak: 0.1, epochs: 4, stepsPerEpoch: 3, warmupEpochs: 1)
    #expect(log.rates == (0..<12).map { schedule.learningRate(atStep: $0) })
    #expect(log.rates[0] == 0 && log.rates[3] == 0.1)
    #expect(run.history.records.map(\.learningRate) == [2, 5, 8, 11].map { Double(log.rates[$0]) })
}

@Test func thePlateauScheduleLowersTheRateAfterItsPatience() throws {
    // Validation accuracy on six samples soon stops improving, so the rate is halved after every flat epoch.
    let recipe = TrainingRecipe(lrSchedule: .plateau, plateauFactor: 0.5, plateauPatience: 1, monitor: .validationAccuracy)
    let run = smallRun(epochs: 6, recipe: recipe)
    try run.fit()
    let rates = run.history.records.compactMap(\.learningRate)
    #expect(rates.count == 6 && rates[0] == Double(Float(0.1)))
    #expect(rates.last! < rates[0], "\(rates)")
    // Each reduction halves the rate.
    for (before, after) in zip(rates, rates.dropFirst()) where after != before {
        #expect(abs(after - before / 2) < 1e-9)
    }
}

@Test func theRecipesLossesReachTheStepsAndTheValidation() {
    let recipe = TrainingRecipe(classWeight: .balanced, labelSmoothing: 0.1, gceQ: 0.7)
    let loss = recipe.trainingLoss(classCounts: [1, 3, 0])
    #expect(loss.classWeights == [4.0 / 3, 4.0 / 9, 1])
    #expect(loss.labelSmoothing == Float(0.1))
    #expect(loss.gceQ == Float(0.7))
    #expect(recipe.validationLoss == CrossEntropyOptions(labelSmoothing: 0.1, gceQ: 0.7))
    #expect(TrainingRecipe(gceQ: 0).gceQ == nil)
    #expect(TrainingRecipe.assignment.trainingLoss(classCounts: [1, 3, 0]) == .none)
    #expect(TrainingRecipe.assignment.observers(model: smallRun(epochs: 1, recipe: .assignment).model).isEmpty)
}

@Test func theRecipeSummaryNamesWhatDiffersFromTheAssignment() throws {
    #expect(TrainingRecipe.assignment.summary == "the assignment's recipe")
    let recipe = TrainingRecipe(augment: try ImageAugmentation(spec: "flip"), lrSchedule: .cosine, warmupEpochs: 2,
                                earlyStopping: 5, monitor: .validationAccuracy, keep: .best, classWeight: .balanced,
                                labelSmoothing: 0.1, weightDecay: 0.05, gceQ: 0.7)
    #expect(recipe.summary == "augment flip; cosine schedule after 2 warm-up epochs; early stopping after 5 epochs "
        + "without a better val_accuracy; best epoch by val_accuracy kept; balanced class weights; label smoothing 0.1; "
        + "weight decay 0.05 (AdamW); generalised cross-entropy q 0.7")
}
