/// Sluice's version, as `sluice --version` prints it.
public enum SluiceVersion {
    public static let string = "0.1.0"
}
