/// The `reasoning_effort` values a model takes, by the model-family rules: a front end offers
/// them as a choice only where the family reasons.
public enum ReasoningEffort {
    /// The values `model` takes, lowest first; nil for a model that takes none (a plain model,
    /// a GPT-5 chat model, o1-mini and o1-preview). gpt-5.1 and later also take "none" (reasoning off).
    public static func levels(for model: String) -> [String]? {
        guard let family = ModelFamilyRules(model: model).family, !family.rules.isEmpty else { return nil }
        let levels = ["low", "medium", "high"]
        switch family.name {
        case "gpt-5.1 and later": return ["none"] + levels
        case "gpt-5": return ["minimal"] + levels
        case "o1-mini, o1-preview": return nil
        default: return levels
        }
    }
}
