"""The form that edits one source: kind, name, URL, the kind's options, secret and TLS.

The fields come from each kind's ``Source`` class (``options``, ``optional_options``,
``secret_label``, ``default_url``), so a new kind needs no change here. The form never reads
or writes the keyring: the secret field only holds what the user types (it is never filled
back in), and the dialog tells the form whether a secret is stored so it can say "stored" or
"missing". Saving, testing and the list of sources are the dialog's (``sources_dialog``).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from app import registry
from app.model import KINDS, SourceConfig
from app.sources import source_class

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


def error_field(error: Exception) -> str | None:
    """The field an error is about ("url", "page_size"), or None when it is about no one
    field: the dialog clears a stale error when its field is edited."""
    return error.option if isinstance(error, registry.OptionError) else None


def kind_caption(kind: str, cls: type | None) -> str:
    """"Pexip Infinity: conference history (pexip)": the product a manager knows, then the
    short name the command line and the source list use."""
    if cls is None:
        return f"{kind} (not installed)"
    return f"{cls.title} ({kind})" if getattr(cls, "title", "") else kind


def available_kinds() -> dict[str, type | None]:
    """Each kind's Source class, or None when its module is not installed."""
    found: dict[str, type | None] = {}
    for kind in KINDS:
        try:
            found[kind] = source_class(kind)
        except ImportError:
            found[kind] = None
    return found


class SourceForm(QWidget):
    """One source's fields. ``config()`` reads them; ``state()`` is what "unsaved changes"
    compares, the typed secret included (a secret typed and not saved would be lost).
    ``edited`` names each field as it changes ("kind", "name", "url", an option's name,
    "secret", "ca_bundle", "insecure"), so the dialog can drop an error that no longer holds.
    """

    edited = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kinds = available_kinds()
        #: One line edit per option of the chosen kind; cleared and refilled in place, never
        #: replaced, so a reference to it stays valid when the kind changes.
        self.option_edits: dict[str, QLineEdit] = {}
        self._build()

    def _build(self) -> None:
        self.rows = QFormLayout(self)
        self.rows.setContentsMargins(0, 0, 0, 0)  # lines up with the dialog's other parts
        self.kind_box = QComboBox(self, objectName="kindBox")
        for kind, cls in self.kinds.items():
            self.kind_box.addItem(kind_caption(kind, cls), kind)
            if cls is None:
                self.kind_box.model().item(self.kind_box.count() - 1).setEnabled(False)
        self.kind_box.currentIndexChanged.connect(lambda _i: self._kind_changed())
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
        self.rows.addRow("Kind:", self.kind_box)
        self.rows.addRow("Name:", self.name_edit)
        self.rows.addRow("URL:", self.url_edit)
        self.rows.addRow(self.secret_caption, secret_row)
        self.rows.addRow("CA bundle:", ca_row)
        self.rows.addRow("", self.insecure_check)
        for field, edit in (("name", self.name_edit), ("url", self.url_edit),
                            ("secret", self.secret_edit), ("ca_bundle", self.ca_edit)):
            self._report_edits(field, edit)
        self.insecure_check.toggled.connect(lambda _on: self.edited.emit("insecure"))

    def _report_edits(self, field: str, edit: QLineEdit) -> None:
        edit.textChanged.connect(lambda _text: self.edited.emit(field))

    def _kind_changed(self) -> None:
        self.show_kind_fields()
        self.edited.emit("kind")

    def show_kind_fields(self, values: dict[str, str] | None = None) -> None:
        """Rebuild the option fields for the chosen kind (rows right under the URL)."""
        for edit in self.option_edits.values():
            self.rows.removeRow(edit)
        self.option_edits.clear()
        cls = self.kinds.get(self.kind_box.currentData())
        if cls is None:
            return
        values = values or {}
        for name in cls.options:
            self._add_option(name, values.get(name, ""), required=True)
        for name, default in cls.optional_options.items():
            self._add_option(name, values.get(name, ""), required=False, default=default)
        self._tab_through_options()
        self.url_edit.setPlaceholderText(cls.default_url or "https://…")
        self.secret_caption.setText(f"{option_label(cls.secret_label)}:")

    def _tab_through_options(self) -> None:
        """Tab from the URL through the option fields, then on to the secret. A widget
        made later joins the end of the window's focus chain: the options, rebuilt at
        each change of kind, were reached only after Save and Close."""
        previous: QWidget = self.url_edit
        for edit in self.option_edits.values():
            QWidget.setTabOrder(previous, edit)
            previous = edit

    def _add_option(self, name: str, value: str, *, required: bool,
                    default: str | None = None) -> None:
        edit = QLineEdit(value or "", self, objectName=f"option_{name}")
        if not required:
            edit.setPlaceholderText(f"optional (default: {default})" if default else "optional")
        row = OPTIONS_ROW + len(self.option_edits)
        self.option_edits[name] = edit
        self._report_edits(name, edit)
        self.rows.insertRow(row, f"{option_label(name)}:", edit)

    # -- filling and reading ----------------------------------------------------------------

    def clear(self) -> None:
        """Empty, for a new source: the first installed kind, kind and name editable."""
        self.kind_box.setEnabled(True)
        self.name_edit.setEnabled(True)
        first = next((i for i in range(self.kind_box.count())
                      if self.kinds.get(self.kind_box.itemData(i))), 0)
        self.kind_box.setCurrentIndex(first)
        for edit in (self.name_edit, self.url_edit, self.secret_edit, self.ca_edit):
            edit.clear()
        self.insecure_check.setChecked(False)
        self.show_kind_fields()
        self.show_secret_status(stored=False)

    def load(self, config: SourceConfig, *, secret_stored: bool) -> None:
        """A saved source's values; its kind and name are fixed (the cache keys history by
        name: no renames)."""
        self.kind_box.setCurrentIndex(max(0, self.kind_box.findData(config.kind)))
        self.kind_box.setEnabled(False)
        self.name_edit.setText(config.name)
        self.name_edit.setEnabled(False)
        self.url_edit.setText(config.url)
        self.show_kind_fields(config.options)
        self.secret_edit.clear()
        self.ca_edit.setText(config.ca_bundle or "")
        self.insecure_check.setChecked(config.insecure)
        self.show_secret_status(stored=secret_stored)

    def config(self) -> SourceConfig:
        options = {name: edit.text().strip() for name, edit in self.option_edits.items()
                   if edit.text().strip()}
        return SourceConfig(name=self.name_edit.text().strip(),
                            kind=self.kind_box.currentData(), url=self.url_edit.text().strip(),
                            options=options, ca_bundle=self.ca_edit.text().strip() or None,
                            insecure=self.insecure_check.isChecked())

    def state(self) -> tuple:
        config = self.config()
        return (config.kind, config.name, config.url, sorted(config.options.items()),
                config.ca_bundle, config.insecure, self.secret_edit.text())

    def show_secret_status(self, *, stored: bool) -> None:
        self.secret_status.setText("✓ stored in the OS keyring" if stored else "✗ missing")
        self.secret_status.setStyleSheet("color: #1b5e20;" if stored else "color: #b3261e;")
        self.secret_edit.setPlaceholderText(
            "leave empty to keep the stored one" if stored else "required")

    def _browse_ca(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "CA bundle", "", "PEM files (*.pem *.crt);;"
                                              "All files (*)")
        if path:
            self.ca_edit.setText(path)
