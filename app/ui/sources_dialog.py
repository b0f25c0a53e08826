"""Add, edit, test and remove sources, with the fields each kind asks for.

The fields come from each kind's ``Source`` class (``options``, ``optional_options``,
``secret_label``, ``default_url``), so a new kind needs no change here. The secret field
writes straight to the OS keyring through ``app.registry`` and is never filled back in:
the dialog only says whether a secret is "stored" or "missing".
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import registry
from app.credentials import KeyringUnavailable
from app.model import KINDS, SourceConfig
from app.settings import Settings
from app.sources import create_source, source_class
from app.ui.workers import Worker

OPTIONS_ROW = 3  # kind options go right after Kind, Name and URL
ACRONYMS = {"id": "ID", "url": "URL", "sid": "SID", "api": "API", "ca": "CA"}


def option_label(name: str) -> str:
    words = [ACRONYMS.get(w, w) for w in name.split("_")]
    return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]])


def form_message(error: Exception) -> str:
    """An error in the form's words: "Page size must be …", not the command line's
    "--page-size must be …"."""
    if isinstance(error, registry.OptionError):
        return f"{option_label(error.option)} {error.problem}."
    text = str(error)
    return text[:1].upper() + text[1:]


def available_kinds() -> dict[str, type | None]:
    """Each kind's Source class, or None when its module is not installed."""
    found: dict[str, type | None] = {}
    for kind in KINDS:
        try:
            found[kind] = source_class(kind)
        except ImportError:
            found[kind] = None
    return found


class SourcesDialog(QDialog):
    sources_changed = Signal()

    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sourcesDialog")
        self.setWindowTitle("Sources")
        self.resize(820, 480)
        self.data_dir = Path(data_dir)
        self.kinds = available_kinds()
        self._option_edits: dict[str, QLineEdit] = {}
        self._editing: str | None = None
        self._test_worker: Worker | None = None
        self._clean: tuple = ()  # the form as loaded: what "unsaved changes" compare to
        self._build()
        self.refresh_list()
        self.new_source()

    # -- layout -------------------------------------------------------------------------------

    def _build(self) -> None:
        """List | form on top; one row of buttons below, each under its column so that
        New source and Remove… line up with Test connection, Save and Close."""
        self.list = QListWidget(self, objectName="sourcesList")
        self.list.currentTextChanged.connect(self._on_pick)
        self.new_button = QPushButton("New source", self, objectName="newSource")
        self.new_button.clicked.connect(self.new_source)
        self.remove_button = QPushButton("Remove…", self, objectName="removeSource")
        self.remove_button.clicked.connect(self.confirm_remove)
        list_buttons = QHBoxLayout()
        list_buttons.addWidget(self.new_button)
        list_buttons.addWidget(self.remove_button)
        right = QVBoxLayout()
        right.addLayout(self._form(), 1)
        right.addWidget(self._message_label())
        grid = QGridLayout(self)
        grid.addWidget(self.list, 0, 0)
        grid.addLayout(right, 0, 2)
        grid.addLayout(list_buttons, 1, 0)
        grid.addLayout(self._buttons(), 1, 2)
        grid.setColumnMinimumWidth(1, 12)  # a gutter: Remove… and Test connection are apart
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(2, 5)
        grid.setRowStretch(0, 1)

    def _form(self) -> QFormLayout:
        self.form = QFormLayout()
        self.kind_box = QComboBox(self, objectName="kindBox")
        for kind, cls in self.kinds.items():
            self.kind_box.addItem(kind if cls else f"{kind} (not installed)", kind)
            if cls is None:
                self.kind_box.model().item(self.kind_box.count() - 1).setEnabled(False)
        self.kind_box.currentIndexChanged.connect(lambda _i: self._kind_fields())
        self.name_edit = QLineEdit(self, objectName="nameEdit")
        self.name_edit.setPlaceholderText("a short name, e.g. pexip-london")
        self.url_edit = QLineEdit(self, objectName="urlEdit")
        self.secret_edit = QLineEdit(self, objectName="secretEdit")
        self.secret_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret_status = QLabel(self, objectName="secretStatus")
        secret_row = QHBoxLayout()
        secret_row.addWidget(self.secret_edit, 1)
        secret_row.addWidget(self.secret_status)
        self.ca_edit = QLineEdit(self, objectName="caBundleEdit")
        self.ca_edit.setPlaceholderText("system trust store")
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse_ca)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_edit, 1)
        ca_row.addWidget(browse)
        self.insecure_check = QCheckBox("Do not verify TLS certificates (insecure)", self,
                                        objectName="insecureCheck")
        self.secret_caption = QLabel("Secret:", self)
        self.form.addRow("Kind:", self.kind_box)
        self.form.addRow("Name:", self.name_edit)
        self.form.addRow("URL:", self.url_edit)
        self.form.addRow(self.secret_caption, secret_row)
        self.form.addRow("CA bundle:", ca_row)
        self.form.addRow("", self.insecure_check)
        return self.form

    def _message_label(self) -> QLabel:
        self.message = QLabel(self, objectName="sourceMessage")
        self.message.setWordWrap(True)
        return self.message

    def _buttons(self) -> QHBoxLayout:
        """Test connection on the left; Save and Close in a standard button box on the
        right (Save keeps the dialog open, so it only saves; Close is the reject role and
        follows the platform's order). Test stays outside the box: an ActionRole button
        would land between Save and Close on Windows and KDE."""
        self.test_button = QPushButton("Test connection", self, objectName="testSource")
        self.test_button.clicked.connect(self.test_current)
        self.button_box = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                           | QDialogButtonBox.StandardButton.Close, self)
        self.save_button = self.button_box.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("saveSource")
        self.save_button.setDefault(True)
        self.button_box.accepted.connect(self.save)
        self.button_box.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.test_button)
        row.addStretch(1)
        row.addWidget(self.button_box)
        return row

    def _kind_fields(self, values: dict[str, str] | None = None) -> None:
        """Rebuild the option fields for the chosen kind (rows right under the URL)."""
        for edit in self._option_edits.values():
            self.form.removeRow(edit)
        self._option_edits.clear()
        cls = self.kinds.get(self.kind_box.currentData())
        if cls is None:
            return
        values = values or {}
        for name in cls.options:
            self._add_option(name, values.get(name, ""), required=True)
        for name, default in cls.optional_options.items():
            self._add_option(name, values.get(name, ""), required=False, default=default)
        self.url_edit.setPlaceholderText(cls.default_url or "https://…")
        self.secret_caption.setText(f"{option_label(cls.secret_label)}:")

    def _add_option(self, name: str, value: str, *, required: bool,
                    default: str | None = None) -> None:
        edit = QLineEdit(value or "", self, objectName=f"option_{name}")
        if not required:
            edit.setPlaceholderText(f"optional (default: {default})" if default else "optional")
        row = OPTIONS_ROW + len(self._option_edits)
        self._option_edits[name] = edit
        self.form.insertRow(row, f"{option_label(name)}:", edit)

    # -- list and form ---------------------------------------------------------------------------

    def refresh_list(self) -> None:
        current = self._editing
        self.list.blockSignals(True)
        self.list.clear()
        for config in Settings(self.data_dir).sources():
            self.list.addItem(config.name)
        matches = self.list.findItems(current or "", Qt.MatchFlag.MatchExactly)
        if current and matches:
            self.list.setCurrentItem(matches[0])
        self.list.blockSignals(False)
        self.remove_button.setEnabled(self._editing is not None)

    def new_source(self) -> None:
        if not self._may_leave_form():
            return
        self._editing = None
        self.list.clearSelection()
        self.kind_box.setEnabled(True)
        self.name_edit.setEnabled(True)
        first = next((i for i in range(self.kind_box.count())
                      if self.kinds.get(self.kind_box.itemData(i))), 0)
        self.kind_box.setCurrentIndex(first)
        for edit in (self.name_edit, self.url_edit, self.secret_edit, self.ca_edit):
            edit.clear()
        self.insecure_check.setChecked(False)
        self._kind_fields()
        self._show_secret_status(None)
        self.remove_button.setEnabled(False)
        self.say("")
        self._clean = self._form_state()

    def edit_source(self, name: str) -> None:
        matches = self.list.findItems(name, Qt.MatchFlag.MatchExactly)
        if matches:
            self.list.setCurrentItem(matches[0])

    def _on_pick(self, name: str) -> None:
        config = Settings(self.data_dir).source(name) if name else None
        if config is None or name == self._editing and self._clean == self._form_state():
            return
        if not self._may_leave_form():
            self._select_in_list(self._editing)  # stay on the form being edited
            return
        self._editing = name
        self.kind_box.setCurrentIndex(max(0, self.kind_box.findData(config.kind)))
        self.kind_box.setEnabled(False)
        self.name_edit.setText(config.name)
        self.name_edit.setEnabled(False)  # the cache keys history by name: no renames
        self.url_edit.setText(config.url)
        self._kind_fields(config.options)
        self.secret_edit.clear()
        self.ca_edit.setText(config.ca_bundle or "")
        self.insecure_check.setChecked(config.insecure)
        self._show_secret_status(name)
        self.remove_button.setEnabled(True)
        self.say("")
        self._clean = self._form_state()
        self._select_in_list(name)  # after a save on the way here, the list shows that one

    def _form_state(self) -> tuple:
        config = self.config_from_form()
        return (config.kind, config.name, config.url, sorted(config.options.items()),
                config.ca_bundle, config.insecure, self.secret_edit.text())

    def _may_leave_form(self) -> bool:
        """Before the form is replaced: True when nothing typed would be lost, or the user
        chose to save it (successfully) or to discard it."""
        if not self._clean or self._form_state() == self._clean:
            return True
        what = self._editing or self.name_edit.text().strip() or "the new source"
        box = QMessageBox(QMessageBox.Icon.Question, "Unsaved changes",
                          f"Save the changes to {what}?",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("unsavedChanges")
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def _select_in_list(self, name: str | None) -> None:
        self.list.blockSignals(True)
        matches = self.list.findItems(name or "", Qt.MatchFlag.MatchExactly)
        if name and matches:
            self.list.setCurrentItem(matches[0])
        else:
            self.list.clearSelection()
            self.list.setCurrentItem(None)
        self.list.blockSignals(False)

    def _show_secret_status(self, name: str | None) -> None:
        stored = False
        if name:
            try:
                stored = registry.has_secret(self.data_dir, name)
            except KeyringUnavailable as error:
                self.say(str(error), error=True)
        self.secret_status.setText("✓ stored in the OS keyring" if stored else "✗ missing")
        self.secret_status.setStyleSheet("color: #1b5e20;" if stored else "color: #b3261e;")
        self.secret_edit.setPlaceholderText(
            "leave empty to keep the stored one" if stored else "required")

    def config_from_form(self) -> SourceConfig:
        options = {name: edit.text().strip() for name, edit in self._option_edits.items()
                   if edit.text().strip()}
        return SourceConfig(name=self.name_edit.text().strip(),
                            kind=self.kind_box.currentData(), url=self.url_edit.text().strip(),
                            options=options, ca_bundle=self.ca_edit.text().strip() or None,
                            insecure=self.insecure_check.isChecked())

    def say(self, text: str, *, error: bool = False) -> None:
        self.message.setStyleSheet("color: #b3261e;" if error else "color: #1b5e20;")
        self.message.setText(text)

    # -- actions -------------------------------------------------------------------------------

    def save(self) -> bool:
        config = self.config_from_form()
        secret = self.secret_edit.text() or None
        try:
            registry.add_source(self.data_dir, config, secret)
        except (registry.RegistryError, KeyringUnavailable) as error:
            self.say(form_message(error), error=True)
            return False
        self._clean = ()  # saved: reloading the form below loses nothing
        self.secret_edit.clear()
        self._editing = config.name
        self.refresh_list()
        self._on_pick(config.name)
        self.say(f"Saved {config.name}." + (" Its secret is in the OS keyring." if secret
                                            else ""))
        self.sources_changed.emit()
        return True

    def test_current(self) -> None:
        """One cheap request with the form's values (typed or stored secret), off the GUI
        thread so a slow server never freezes the dialog."""
        config = self.config_from_form()
        try:
            config = registry.validate(config)
            secret = self.secret_edit.text() or (
                registry.secret_lookup(self.data_dir)(config) if self._editing else None)
        except (registry.RegistryError, KeyringUnavailable) as error:
            self.say(form_message(error), error=True)
            return
        if not secret:
            self.say("Type the secret first (none is stored for this source).", error=True)
            return
        self.say(f"Testing {config.url} …")
        self.test_button.setEnabled(False)
        worker = Worker(lambda _progress, cancel: create_source(config, secret, cancel).test(),
                        "source-test", self)
        worker.result.connect(lambda text: self.say(f"✓ {text}"))
        worker.error.connect(lambda text: self.say(f"✗ {text}", error=True))
        worker.finished.connect(lambda: self.test_button.setEnabled(True))
        self._test_worker = worker.start()

    def confirm_remove(self) -> None:
        name = self._editing
        if not name:
            return
        box = QMessageBox(QMessageBox.Icon.Question, "Remove source",
                          f"Forget {name} and delete its secret from the keyring?\n\n"
                          "Its cached history stays browsable unless you also delete it.",
                          QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("removeConfirm")
        keep = box.addButton("Remove", QMessageBox.ButtonRole.AcceptRole)
        purge = box.addButton("Remove and delete cached history",
                              QMessageBox.ButtonRole.DestructiveRole)
        box.buttonClicked.connect(
            lambda button: button in (keep, purge) and self.remove(name, purge=button is purge))
        box.open()

    def remove(self, name: str, *, purge: bool = False) -> None:
        try:
            registry.remove_source(self.data_dir, name, purge=purge)
        except (registry.RegistryError, KeyringUnavailable) as error:
            self.say(form_message(error), error=True)
            return
        self._editing = None
        self.refresh_list()
        self.new_source()
        self.say(f"Removed {name}." + (" Its cached history was deleted." if purge else ""))
        self.sources_changed.emit()

    def _browse_ca(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "CA bundle", "", "PEM files (*.pem *.crt);;"
                                              "All files (*)")
        if path:
            self.ca_edit.setText(path)

    def done(self, result: int) -> None:
        if self._test_worker is not None:
            self._test_worker.cancel()
            self._test_worker.join(15000)
        super().done(result)
