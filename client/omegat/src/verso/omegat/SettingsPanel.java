/*
 * SettingsPanel.java - Options > Verso TM...: the server's endpoint, the TM,
 * the CurveZMQ keys, the lowest score shown, whether to label matches and
 * whether to store confirmed translations.
 * installMenuItem() adds the menu item once OmegaT's window is up; the panel
 * itself needs no window, so tests fill and read it headless.
 */
package verso.omegat;

import java.awt.GridBagConstraints;
import java.awt.GridBagLayout;
import java.awt.Insets;
import javax.swing.JCheckBox;
import javax.swing.JComponent;
import javax.swing.JLabel;
import javax.swing.JMenuItem;
import javax.swing.JOptionPane;
import javax.swing.JPanel;
import javax.swing.JSpinner;
import javax.swing.JTextField;
import javax.swing.SpinnerNumberModel;
import org.omegat.core.Core;
import org.omegat.core.CoreEvents;
import org.omegat.core.events.IApplicationEventListener;

public final class SettingsPanel extends JPanel {
    private static final long serialVersionUID = 1L;
    final JTextField endpoint = new JTextField(32), tm = new JTextField(32),
                     serverKey = new JTextField(32), clientKey = new JTextField(32);
    final JSpinner minScore = new JSpinner(new SpinnerNumberModel(70, 0, 101, 1));
    final JCheckBox label = new JCheckBox("Show score and kind: [Verso 87% fuzzy] ..."),
                    store = new JCheckBox("Store confirmed translations in the TM (needs a "
                                          + "write key on a server with keys)");

    public SettingsPanel(Settings s) {
        super(new GridBagLayout());
        endpoint.setText(s.endpoint);
        tm.setText(s.tm);
        serverKey.setText(s.serverKey);
        clientKey.setText(s.clientKey);
        minScore.setValue(s.minScore);
        label.setSelected(s.label);
        store.setSelected(s.store);
        row(0, "Server endpoint:", endpoint);
        row(1, "Translation memory:", tm);
        row(2, "Server public key or .pub file:", serverKey);
        row(3, "Your .secret key file:", clientKey);
        row(4, "Lowest score shown:", minScore);
        row(5, "", label);
        row(6, "", store);
    }

    /** The settings as the panel shows them now. */
    public Settings settings() {
        return new Settings(endpoint.getText(), tm.getText(), serverKey.getText(),
                            clientKey.getText(), (Integer) minScore.getValue(),
                            label.isSelected(), store.isSelected());
    }

    private void row(int y, String text, JComponent field) {
        GridBagConstraints c = new GridBagConstraints();
        c.gridy = y;
        c.insets = new Insets(2, 4, 2, 4);
        c.anchor = GridBagConstraints.LINE_START;
        add(new JLabel(text), c);
        c.gridx = 1;
        c.fill = GridBagConstraints.HORIZONTAL;
        c.weightx = 1;
        add(field, c);
    }

    /** Shows the dialog; saves the settings on OK. */
    static void showDialog() {
        SettingsPanel p = new SettingsPanel(Settings.load());
        int answer = JOptionPane.showConfirmDialog(Core.getMainWindow().getApplicationFrame(), p,
                                                   "Verso TM", JOptionPane.OK_CANCEL_OPTION,
                                                   JOptionPane.PLAIN_MESSAGE);
        if (answer == JOptionPane.OK_OPTION)
            p.settings().save();
    }

    /** Adds Options > Verso TM... once OmegaT's main window exists. */
    static void installMenuItem() {
        CoreEvents.registerApplicationEventListener(new IApplicationEventListener() {
            @Override
            public void onApplicationStartup() {
                JMenuItem item = new JMenuItem("Verso TM...");
                item.addActionListener(e -> showDialog());
                Core.getMainWindow().getMainMenu().getOptionsMenu().add(item);
            }

            @Override
            public void onApplicationShutdown() {
            }
        });
    }
}
