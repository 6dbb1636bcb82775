/*
 * Check.java - the Java tests' one assertion, inherited by each test class:
 * a line per check ("ok", or "FAIL" with what was wanted and what came), and
 * an exit status that says whether any failed.
 */
public class Check {
    private static int failed;

    protected Check() {
    }

    /** want may be null: then got must be null too. */
    public static void check(String what, Object want, Object got) {
        boolean ok = want == null ? got == null : want.equals(got);
        if (!ok)
            failed++;
        System.out.println((ok ? "ok   " : "FAIL ") + what + (ok ? "" : "\n     want: " + want
                                                                     + "\n     got:  " + got));
    }

    /** Prints the summary and exits: 0 when every check passed, else 1. */
    public static void exit() {
        System.out.println(failed == 0 ? "all passed" : failed + " check(s) failed");
        System.exit(failed == 0 ? 0 : 1);
    }
}
