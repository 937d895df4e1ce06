// The recipe options `train` and `finetune` share (augmentation, schedule, early stopping, kept weights,
// class balance, regularisation, the generalised cross-entropy, MixUp, the saved model's test-time
// augmentation) and the split seed. Each command passes its own default recipe, so the defaults live in the
// library (TrainingRecipe.assignment, FineTuneSettings.Defaults.recipe) and --help shows them.

import EmotionTraining

extension OptionSpec {
    static func recipeOptions(defaults recipe: TrainingRecipe) -> [OptionSpec] {
        [
            .value("augment", "spec",
                   help: "Training augmentation, Keras's preprocessing layers: none, standard (= "
                       + "\(ImageAugmentation.standard)), or items such as "
                       + "flip,rotation=0.05,zoom=0.1,translation=0.1,contrast=0.2,brightness=0.1,grayscale=0.5,erasing=0.5.",
                   default: recipe.augment.description),
            .choice("lr-schedule", LearningRateScheduleChoice.self,
                    help: "Learning rate over each phase: constant; cosine (decay to 0 per step, after "
                        + "--warmup-epochs of linear warm-up); plateau (ReduceLROnPlateau on --monitor).",
                    default: recipe.lrSchedule),
            .value("warmup-epochs", "n", help: "Epochs of linear warm-up of the cosine schedule.",
                   default: String(recipe.warmupEpochs)),
            .value("plateau-factor", "f", help: "What the plateau schedule multiplies the rate by.",
                   default: String(recipe.plateauFactor)),
            .value("plateau-patience", "n", help: "Epochs without improvement before the plateau schedule reduces the rate.",
                   default: String(recipe.plateauPatience)),
            .value("early-stopping", "patience",
                   help: "End a phase after this many epochs without improvement of --monitor (default: never).",
                   default: recipe.earlyStopping.map(String.init)),
            .choice("monitor", MonitoredMetric.self, help: "The metric early stopping, plateau and --keep best watch.",
                    default: recipe.monitor),
            .value("min-delta", "x", help: "The smallest change of --monitor that counts as an improvement.",
                   default: String(recipe.minDelta)),
            .choice("keep", KeptWeights.self,
                    help: "The weights saved: those of the best epoch by --monitor (whatever ended training), or the "
                        + "last epoch's (default: best with --early-stopping, else \(recipe.keep.rawValue))."),
            .choice("class-weight", ClassWeighting.self,
                    help: "balanced weighs each class's samples by n / (classes x count) in the loss.",
                    default: recipe.classWeight),
            .value("label-smoothing", "f", help: "Targets become (1 - f) * one-hot + f / classes.",
                   default: String(recipe.labelSmoothing)),
            .value("weight-decay", "f", help: "Decoupled weight decay of the kernels (AdamW); 0 is Adam.",
                   default: String(recipe.weightDecay)),
            .value("gce", "q",
                   help: "Train and validate with the generalised cross-entropy (1 - p^q) / q (Zhang & Sabuncu "
                       + "2018) in place of the cross-entropy, q in [0, 1]: photos the model firmly disagrees with, "
                       + "often wrong labels, pull less; 0 is the cross-entropy.",
                   default: String(recipe.gceQ ?? 0)),
            .value("mixup", "alpha",
                   help: "Keras's MixUp: each training sample blended with another of its batch (finetune: the "
                       + "cached backbone outputs) as lambda * own + (1 - lambda) * other, and the two labels' "
                       + "losses alike, lambda ~ Beta(alpha, alpha) per sample; 0 is none.",
                   default: String(recipe.mixup ?? 0)),
            .choice("tta", TestTimeAugmentation.self,
                    help: "Test-time augmentation of the saved model, used by the final Test Accuracy and by default "
                        + "in evaluate, predict, report, compare and export: flip averages the probabilities of "
                        + "each image and its mirror.",
                    default: recipe.tta ?? TestTimeAugmentation.none),
            .value("split-seed", "n",
                   help: "Seed of the training/validation split (default: --seed), to vary the initialisation on "
                       + "the same validation files."),
        ]
    }
}

extension OptionSpec {
    /// `--tta` of the commands that run a saved model (evaluate, predict): the model's own by default.
    static let modelTestTimeAugmentation = OptionSpec.choice(
        "tta", TestTimeAugmentation.self,
        help: "Test-time augmentation: flip averages the probabilities of each image and its mirror (default: "
            + "the model's own, from its config.json: none unless it was trained with --tta flip).")
}

extension ParsedArguments {
    /// The recipe the options describe, `defaultRecipe` where they are not given.
    func recipe(defaults defaultRecipe: TrainingRecipe) throws(CLIError) -> TrainingRecipe {
        let specText = text("augment")
        let augment: ImageAugmentation
        do {
            augment = try ImageAugmentation(spec: specText)
        } catch {
            throw .usage("'--augment': \(error)")
        }
        let recipe = TrainingRecipe(
            augment: augment,
            lrSchedule: try choice(defaulted: "lr-schedule", as: LearningRateScheduleChoice.self),
            warmupEpochs: try int(defaulted: "warmup-epochs", in: 0...Int.max),
            plateauFactor: try double(defaulted: "plateau-factor", requirement: "a number between 0 and 1") { $0 > 0 && $0 < 1 },
            plateauPatience: try int(defaulted: "plateau-patience", in: 0...Int.max),
            earlyStopping: try int("early-stopping", in: 0...Int.max),
            monitor: try choice(defaulted: "monitor", as: MonitoredMetric.self),
            minDelta: try double(defaulted: "min-delta", requirement: "a number of at least 0") { $0 >= 0 },
            keep: try choice("keep", as: KeptWeights.self) ?? (isGiven("early-stopping") ? .best : defaultRecipe.keep),
            classWeight: try choice(defaulted: "class-weight", as: ClassWeighting.self),
            labelSmoothing: try double(defaulted: "label-smoothing", requirement: "a number from 0 to below 1") {
                $0 >= 0 && $0 < 1
            },
            weightDecay: try double(defaulted: "weight-decay", requirement: "a number of at least 0") { $0 >= 0 },
            gceQ: try double(defaulted: "gce", requirement: "a number from 0 to 1") { $0 >= 0 && $0 <= 1 },
            mixup: try double(defaulted: "mixup", requirement: "a number of at least 0") { $0 >= 0 },
            tta: try choice(defaulted: "tta", as: TestTimeAugmentation.self))
        if recipe.lrSchedule != .cosine && isGiven("warmup-epochs") {
            throw .usage("'--warmup-epochs' goes with '--lr-schedule cosine'")
        }
        return recipe
    }

    /// `--split-seed`, nil when not given (the split then uses `--seed`).
    func splitSeed() throws(CLIError) -> UInt32? {
        try int("split-seed", in: 0...Int(UInt32.max)).map(UInt32.init)
    }
}
