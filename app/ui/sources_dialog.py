"""The Sources dialog: the list of sources beside the form of the one being edited.

It ties the parts together and owns what touches the settings and the keyring: saving,
removing, asking before unsaved changes are lost, and saying whether a secret is stored.
The form itself is ``source_form.SourceForm``; Test connection runs through
``connection_check.ConnectionCheck``. The secret goes straight to the OS keyring through
``app.registry`` and is never filled back in: the dialog only says "stored" or "missing".
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import registry
from app.credentials import KeyringUnavailable
from app.settings import Settings
from app.ui.connection_check import ConnectionCheck
from app.ui.source_form import SourceForm, error_field, form_message

ANY_FIELD = "*"  # an error about no one field: editing any field clears it


class SourcesDialog(QDialog):
    sources_changed = Signal()

    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sourcesDialog")
        self.setWindowTitle("Sources")
        self.resize(820, 480)
        self.data_dir = Path(data_dir)
        self._editing: str | None = None
        self._clean: tuple = ()  # the form as loaded: what "unsaved changes" compare to
        #: The field the error shown is about, ANY_FIELD when it names none, None when no
        #: error is shown: editing that field (or changing the kind) clears the error.
        self._error_about: str | None = None
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
        self.source_form = SourceForm(self)
        self.source_form.edited.connect(self._forget_stale_error)
        # The form's fields, reachable from the dialog as callers and tests know them.
        self.kind_box = self.source_form.kind_box
        self.name_edit = self.source_form.name_edit
        self.url_edit = self.source_form.url_edit
        self.secret_edit = self.source_form.secret_edit
        self._option_edits = self.source_form.option_edits
        self.message = QLabel(self, objectName="sourceMessage")
        self.message.setWordWrap(True)
        right = QVBoxLayout()
        right.addWidget(self.source_form, 1)
        right.addWidget(self.message)
        grid = QGridLayout(self)
        grid.addWidget(self.list, 0, 0)
        grid.addLayout(right, 0, 2)
        grid.addLayout(list_buttons, 1, 0)
        grid.addLayout(self._buttons(), 1, 2)
        grid.setColumnMinimumWidth(1, 12)  # a gutter: Remove… and Test connection are apart
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(2, 5)
        grid.setRowStretch(0, 1)

    def _buttons(self) -> QHBoxLayout:
        """Test connection on the left; Save and Close in a standard button box on the
        right (Save keeps the dialog open, so it only saves; Close is the reject role and
        follows the platform's order). Test stays outside the box: an ActionRole button
        would land between Save and Close on Windows and KDE."""
        self.test_button = QPushButton("Test connection", self, objectName="testSource")
        self.test_button.clicked.connect(self.test_current)
        self.connection_check = ConnectionCheck(self.test_button, self.say, self)
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
        self.source_form.clear()
        self.remove_button.setEnabled(False)
        self.say("")
        self._clean = self.source_form.state()

    def edit_source(self, name: str) -> None:
        matches = self.list.findItems(name, Qt.MatchFlag.MatchExactly)
        if matches:
            self.list.setCurrentItem(matches[0])

    def _on_pick(self, name: str) -> None:
        config = Settings(self.data_dir).source(name) if name else None
        if config is None or name == self._editing and self._clean == self.source_form.state():
            return
        if not self._may_leave_form():
            self._select_in_list(self._editing)  # stay on the form being edited
            return
        self._editing = name
        self.source_form.load(config, secret_stored=self._secret_stored(name))
        self.remove_button.setEnabled(True)
        self.say("")
        self._clean = self.source_form.state()
        self._select_in_list(name)  # after a save on the way here, the list shows that one

    def _may_leave_form(self) -> bool:
        """Before the form is replaced: True when nothing typed would be lost, or the user
        chose to save it (successfully) or to discard it."""
        if not self._clean or self.source_form.state() == self._clean:
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

    def _secret_stored(self, name: str) -> bool:
        """Whether the keyring holds the source's secret; a locked or absent keyring says
        why and counts as missing."""
        try:
            return registry.has_secret(self.data_dir, name)
        except KeyringUnavailable as error:
            self.say(str(error), error=True)
            return False

    def say(self, text: str, *, error: bool = False, about: str | None = None) -> None:
        """Show ``text``; an error ``about`` one field stays until that field is edited,
        one about none of them (a failed connection test) until any field is."""
        self.message.setStyleSheet("color: #b3261e;" if error else "color: #1b5e20;")
        self.message.setText(text)
        self._error_about = (about or ANY_FIELD) if error and text else None

    def _forget_stale_error(self, field: str) -> None:
        """An error left from the last save or test no longer holds once the kind changed
        or its field was edited: kept, it blamed a field the new kind does not have."""
        if self._error_about is not None and (
                field == "kind" or self._error_about in (field, ANY_FIELD)):
            self.say("")

    # -- actions -------------------------------------------------------------------------------

    def save(self) -> bool:
        config = self.source_form.config()
        secret = self.secret_edit.text() or None
        clash = self._name_taken(config.name)
        if clash:
            self.say(f"A source named {clash} exists already: pick it in the list to change "
                     "it, or give this one another name.", error=True, about="name")
            return False
        try:
            registry.add_source(self.data_dir, config, secret)
        except (registry.RegistryError, KeyringUnavailable) as error:
            self.say(form_message(error), error=True, about=error_field(error))
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

    def _name_taken(self, name: str) -> str | None:
        """Another source's name, ignoring case, that ``name`` would replace. Saving a new
        form under an existing name replaced that source, its URL and its secret, unasked;
        and "Video" beside "video" reads as the same source in every list."""
        if name == self._editing:
            return None
        return next((config.name for config in Settings(self.data_dir).sources()
                     if config.name.casefold() == name.casefold()), None)

    def test_current(self) -> None:
        """One cheap request with the form's values (typed or stored secret), off the GUI
        thread (``ConnectionCheck``) so a slow server never freezes the dialog."""
        config = self.source_form.config()
        try:
            config = registry.validate(config)
            secret = self.secret_edit.text() or (
                registry.secret_lookup(self.data_dir)(config) if self._editing else None)
        except (registry.RegistryError, KeyringUnavailable) as error:
            self.say(form_message(error), error=True, about=error_field(error))
            return
        if not secret:
            self.say("Type the secret first (none is stored for this source).", error=True)
            return
        self.connection_check.start(config, secret)

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

    def done(self, result: int) -> None:
        self.connection_check.stop()
        super().done(result)
