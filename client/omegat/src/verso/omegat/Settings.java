/*
 * Settings.java - the plugin's settings, kept in OmegaT's preferences
 * (omegat.prefs in OmegaT's configuration directory) and edited in
 * Options > Verso TM... (SettingsPanel). Immutable snapshots; load() reads
 * the current preferences, save() writes one back.
 */
package verso.omegat;

import org.omegat.util.Preferences;

public final class Settings {
    /** BaseTranslate's on/off switch, shown in Options > Machine Translate. */
    public static final String ENABLED = "allow_verso_translate";
    public static final String ENDPOINT = "verso_endpoint", TM = "verso_tm",
                               SERVER_KEY = "verso_server_key", CLIENT_KEY = "verso_client_key",
                               MIN_SCORE = "verso_min_score", LABEL = "verso_label",
                               STORE = "verso_store";
    public static final int TIMEOUT_MS = 5000;

    public final String endpoint;  /* e.g. tcp://tm.example:5555 */
    public final String tm;        /* the TM's name on the server */
    public final String serverKey; /* the server's public key or .pub file; "" without keys */
    public final String clientKey; /* this client's .secret file; "" without keys */
    public final int minScore;     /* 0 to 101: matches below are not shown */
    public final boolean label;    /* prefix "[Verso 87% fuzzy]" to the translation */
    public final boolean store;    /* add confirmed translations to the TM (Recorder) */

    public Settings(String endpoint, String tm, String serverKey, String clientKey, int minScore,
                    boolean label, boolean store) {
        this.endpoint = endpoint.trim();
        this.tm = tm.trim();
        this.serverKey = serverKey.trim();
        this.clientKey = clientKey.trim();
        this.minScore = Math.max(0, Math.min(101, minScore));
        this.label = label;
        this.store = store;
    }

    public static Settings load() {
        return new Settings(Preferences.getPreferenceDefault(ENDPOINT,
                                                             VersoConnection.DEFAULT_ENDPOINT),
                            Preferences.getPreferenceDefault(TM, "default"),
                            Preferences.getPreferenceDefaultAllowEmptyString(SERVER_KEY),
                            Preferences.getPreferenceDefaultAllowEmptyString(CLIENT_KEY),
                            Preferences.getPreferenceDefault(MIN_SCORE, 70),
                            Preferences.isPreferenceDefault(LABEL, true),
                            Preferences.isPreferenceDefault(STORE, false));
    }

    public void save() {
        Preferences.setPreference(ENDPOINT, endpoint);
        Preferences.setPreference(TM, tm);
        Preferences.setPreference(SERVER_KEY, serverKey);
        Preferences.setPreference(CLIENT_KEY, clientKey);
        Preferences.setPreference(MIN_SCORE, minScore);
        Preferences.setPreference(LABEL, label);
        Preferences.setPreference(STORE, store);
        Preferences.save();
    }

    /** What a connection depends on: a change of it needs a new connection. */
    String connectionKey() {
        return endpoint + "\n" + serverKey + "\n" + clientKey;
    }
}
