"""The base of every register's django-import-export resource (`regions/resources.py`,
`network/resources.py`); the engine that drives it is `xiangcun.core.excel`.

During an import the resource runs inside `import_data(dry_run=True)`: `get_instance`/`init_instance`
find or start the record by its code, the columns fill it in, `check_row` and `full_clean()` validate
it, and `save_instance` only records a `PlannedRow`. `apply` later writes each planned row through the
app's services, which check capability and scope again.
"""

from copy import deepcopy
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from import_export import resources as ie_resources

from .errors import ApplicationError, PermissionDenied, validation_error_fields
from .excel_columns import Column, normal


@dataclass
class PlannedRow:
    """What a valid row will do in the write phase."""

    row: int  # Excel row number
    instance: object
    is_create: bool
    changes: dict  # service field → new value (all present fields for a create)
    to_status: str | None = None  # a status transition to apply after create/update


class RegisterResource(ie_resources.ModelResource):
    """A register that goes out to and comes back from Excel. Subclasses set the class attributes and
    implement `scoped_queryset`, `filter_queryset` and `apply`; they may extend `check_row`."""

    register = ""  # the name in URLs: townships, villages, facilities, stations
    capability = ""  # what a user needs to import
    list_path = ""  # the register's list page (import returns there)
    key = "code"  # the column that identifies a row

    # Related rows each record needs in the file (the county is known: loading it with every row would
    # also parse its GeoJSON outline every time).
    related: tuple[str, ...] = ()

    class Meta:
        import_id_fields = ("code",)
        # import-export's diff deep-copies every record; `after_init_instance` keeps just what we compare.
        skip_diff = True
        skip_html_diff = True
        use_transactions = True

    def __init__(self, *, user, county=None):
        super().__init__()
        self.user = user
        self.county = county
        self.plan: list[PlannedRow] = []
        self.excel_rows: list[int] = []  # dataset row i (1-based) is Excel row excel_rows[i - 1]
        self.file_headers: dict[str, str] = {}  # column key → header text as in the imported file
        self._seen: dict[str, int] = {}
        self._references: dict[str, tuple[dict, set]] = {}
        self._references_model: dict[str, type] = {}
        for column in self.fields.values():
            column.widget.resource = self

    # --- what subclasses provide

    @classmethod
    def label(cls):
        return cls._meta.model._meta.verbose_name_plural

    def scoped_queryset(self):
        """The rows the user may see (a selector)."""
        raise NotImplementedError

    def filter_queryset(self, qs, params):
        """The list page's filters, from query parameters."""
        return qs

    def apply(self, entry: PlannedRow) -> None:
        """Write one planned row through the services."""
        raise NotImplementedError

    def reference_querysets(self, kind: str):
        """(rows in scope, all rows of the county) for a `ReferenceWidget` kind."""
        raise NotImplementedError

    def check_row(self, instance, row, errors: dict) -> None:
        """Cross-field and permission checks of one row; add `{attribute: [ValidationError]}`."""

    def validation_exclude(self, instance) -> set[str]:
        """Model fields `full_clean` must skip (e.g. a code the service assigns)."""
        return set()

    def transition_of(self, instance) -> str | None:
        """The status transition this row asks for, if any (set by `check_row`)."""
        return None

    # --- columns and headers

    def columns(self) -> list[Column]:
        return self.get_export_fields()

    def column(self, key: str) -> Column:
        return next(c for c in self.columns() if c.key == key)

    def headers(self) -> dict[str, str]:
        """Column key → header in the active language; a header shared by two columns gets its key."""
        labels = {c.key: capfirst(str(c.label)) for c in self.columns()}
        counts: dict[str, int] = {}
        for text in labels.values():
            counts[normal(text)] = counts.get(normal(text), 0) + 1
        return {k: (f"{t} [{k}]" if counts[normal(t)] > 1 else t) for k, t in labels.items()}

    def header_aliases(self) -> dict[str, str]:
        """Normalised header text → column key, for headers in Chinese, English or as machine keys."""
        aliases: dict[str, str] = {}
        ambiguous: set[str] = set()
        for language in ("zh-hans", "en", translation.get_language()):
            with translation.override(language):
                for key, text in self.headers().items():
                    name = normal(text)
                    if aliases.get(name, key) != key:
                        ambiguous.add(name)
                    aliases[name] = key
        for name in ambiguous:
            del aliases[name]
        for column in self.columns():
            aliases.setdefault(normal(column.key), column.key)
        return aliases

    def header_for(self, key: str | None) -> str:
        if not key:
            return ""
        return self.file_headers.get(key) or self.headers().get(key, key)

    # --- export

    def export_queryset(self, params):
        qs = self.scoped_queryset()
        if self.county is not None:
            qs = qs.filter(county=self.county)
        return self._narrow(self.filter_queryset(qs, params)).order_by(self.key)

    # --- import: references, instances, duplicates

    def reference(self, kind: str, code: str):
        """The row of `kind` with division `code` in the user's scope, or ValueError saying why not."""
        if kind not in self._references:
            scoped, county_wide = self.reference_querysets(kind)
            self._references_model[kind] = scoped.model
            self._references[kind] = (
                {obj.code: obj for obj in scoped},
                set(county_wide.values_list("code", flat=True)),
            )
        in_scope, in_county = self._references[kind]
        if code in in_scope:
            return in_scope[code]
        if code in in_county:
            raise ValueError(_("%(code)s is outside your scope.") % {"code": code})
        raise ValueError(
            _("There is no %(kind)s with code %(code)s in this county.")
            % {"kind": self._references_model[kind]._meta.verbose_name, "code": code}
        )

    def county_queryset(self):
        return self._meta.model.objects.filter(county=self.county)

    def get_queryset(self):
        return self._narrow(self.scoped_queryset().filter(county=self.county))

    def _narrow(self, qs):
        qs = qs.select_related(None)
        return qs.select_related(*self.related) if self.related else qs

    def excel_row(self, number: int) -> int:
        return self.excel_rows[number - 1] if 0 < number <= len(self.excel_rows) else number

    def row_code(self, row) -> str:
        column = self.fields[self.key]
        try:
            return column.clean(row)
        except ValueError as exc:
            raise ValidationError({column.attribute: [str(exc)]}) from None

    def before_import(self, dataset, **kwargs):
        column = self.fields[self.key]
        codes = set()
        for value in dataset[self.key] if self.key in dataset.headers else []:
            try:
                codes.add(column.widget.clean(value))
            except ValueError:
                continue
        codes.discard("")
        self._existing = {obj.code: obj for obj in self.get_queryset().filter(code__in=codes)}
        self._in_county = set(self.county_queryset().filter(code__in=codes).values_list("code", flat=True))

    def before_import_row(self, row, row_number=None, **kwargs):
        try:
            code = self.fields[self.key].clean(row)
        except ValueError:
            return  # reported by get_instance
        if not code:
            return
        first = self._seen.setdefault(code, row_number)
        if first != row_number:
            raise ValidationError(
                {
                    self.fields[self.key].attribute: [
                        _("The same code is already on row %(row)s.") % {"row": self.excel_row(first)}
                    ]
                }
            )

    def get_instance(self, instance_loader, row):
        code = self.row_code(row)
        if not code:
            return None
        instance = self._existing.get(code)
        if instance is None and code in self._in_county:
            raise ValidationError(
                {self.fields[self.key].attribute: [_("This record is outside your scope.")]}
            )
        return instance

    def init_instance(self, row=None):
        """Registers whose rows come from official data are never created by import."""
        code = self.row_code(row)
        message = (
            _("There is no %(kind)s with code %(code)s in this county.")
            % {"kind": self._meta.model._meta.verbose_name, "code": code}
            if code
            else _("Enter the code.")
        )
        raise ValidationError({self.fields[self.key].attribute: [message]})

    # --- import: validation, change detection, plan

    def import_instance(self, instance, row, **kwargs):
        errors: dict = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        self.check_row(instance, row, errors)
        if errors:
            raise ValidationError(errors)

    def _written_fields(self, row) -> dict[str, Column]:
        """Model field → column, for the columns of `row` an import writes through the services."""
        return {
            column.attribute.split("__")[0]: column
            for column in self.get_import_fields()
            if not column.readonly and column.writes and column.key in row
        }

    def after_init_instance(self, instance, new, row, **kwargs):
        # An existing record's values before the row is applied, to tell what the row changes.
        fields = {} if new else self._written_fields(row)
        instance._excel_before = {name: deepcopy(getattr(instance, name)) for name in fields}

    def row_changes(self, instance, row) -> dict:
        """Service field → value: every present field for a new record, the changed ones otherwise."""
        changes = {}
        for name, column in self._written_fields(row).items():
            value = getattr(instance, name)
            if instance._state.adding:
                changes[name] = value
            elif not column.create_only and value != instance._excel_before[name]:
                changes[name] = value
        return changes

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors:
            return False
        instance._excel_changes = self.row_changes(instance, row)
        if instance._state.adding:
            return False
        return not instance._excel_changes and not self.transition_of(instance)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        try:
            instance.full_clean(exclude=set(errors) | self.validation_exclude(instance))
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        """Dry phase: remember what the row will do; the services write it later (`apply`)."""
        self.plan.append(
            PlannedRow(
                row=self.excel_row(kwargs["row_number"]),
                instance=instance,
                is_create=is_create,
                changes=instance._excel_changes,
                to_status=self.transition_of(instance),
            )
        )

    def save_m2m(self, instance, row, **kwargs):
        pass

    # --- errors

    error_aliases: dict[str, str] = {}  # service/model field → column key when they differ

    def column_key_for(self, name: str) -> str:
        if name == NON_FIELD_ERRORS or name == "non_field_errors":
            return ""
        name = self.error_aliases.get(name, name)
        for column in self.columns():
            if name in (column.key, column.attribute):
                return column.key
        return ""

    def row_error(self, row: int, name: str | None, message) -> dict:
        return {
            "row": row,
            "column": self.header_for(self.column_key_for(name or "")),
            "message": str(message),
        }

    def errors_from_exception(self, row: int, exc: Exception) -> list[dict]:
        """Row errors from what a service raised, pointed at the column of the field when known."""
        if isinstance(exc, PermissionDenied):
            return [self.row_error(row, self.key, exc.message)]
        if isinstance(exc, ApplicationError):
            # The message is the sentence; `fields` only say where (their texts are terse hints).
            return [self.row_error(row, next(iter(exc.fields), None), exc.message)]
        if isinstance(exc, ValidationError):
            return [
                self.row_error(row, name, message)
                for name, messages in validation_error_fields(exc).items()
                for message in messages
            ]
        return [self.row_error(row, None, _("This row could not be saved."))]
