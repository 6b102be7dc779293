"""The workspace: one unlocked profile seen through domain objects (the viewers' only door)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storage.keys import Argon2Params
from storage.profile import Profile
from workspace import item_schemas, projects, settings
from workspace import items as item_store
from workspace.annotation_import.service import import_siblings
from workspace.annotation_rows import read_annotations
from workspace.annotations import Annotation, AnnotationDocument
from workspace.commands import CommandStack
from workspace.events import EventEmitter
from workspace.importers.base import ImportedItem
from workspace.importers.dicom import DicomSeriesItem, series_title
from workspace.importers.registry import scan
from workspace.importers.source_label import source_label
from workspace.item_editing import ItemEditing
from workspace.items import ItemFile, ItemSummary
from workspace.modalities import default_schema_id
from workspace.opened_item import OpenedItem, TaskState, describe, task_state
from workspace.opened_item import open_item as open_stored_item
from workspace.persistence import StoreSink
from workspace.projects import ProjectInfo, TaskSummary
from workspace.schema import LabelSchema
from workspace.segmentation import store as segmentation_store
from workspace.segmentation.compaction import Compactor
from workspace.segmentation.document import SegmentationDocument
from workspace.segmentation.label_files import read_label_file
from workspace.slides.importing import store_slide_item
from workspace.slides.sources import SOURCE_KEY as SLIDE_SOURCE_KEY
from workspace.sync import checkouts
from workspace.sync.checkouts import CheckoutRow
from workspace.task_lock import TaskReadOnlyError, check_editable, edit_lock
from workspace.tasks import TaskStatus
from workspace.volume.dicom_series import AssembledVolume, VolumeAssemblyError, assemble_series
from workspace.volume.display_window import SeriesDisplay, series_display
from workspace.volume.image_file import read_image_volume
from workspace.volume.model import LabelMap, Volume
from workspace.volume.store import META_KEY as VOLUME_META_KEY
from workspace.volume.store import load_volume, seal_volume, source_identity, voxel_sha256
from workspace.waveform.readers import FORMAT_KEY as SIGNAL_FORMAT_KEY
from workspace.waveform.record import SignalRecord
from workspace.waveform.store import load_signals, store_signal_item

if TYPE_CHECKING:  # nats-py is imported when a sync starts, not at start-up
    from workspace.audio.source import AudioSource
    from workspace.slides.reader import SlideReader
    from workspace.sync.batch_file import ImportedFile
    from workspace.sync.batch_transfer import Connector
    from workspace.sync.checkout import ProgressCallback
    from workspace.sync.config import SyncConfig
    from workspace.sync.session import SyncReport
    from workspace.terminology.store import TerminologyStore

ProblemCallback = Callable[[Path, str], None]


class Workspace:
    """Facade over a :class:`~storage.profile.Profile` for the app, the CLI and the viewers."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self._documents: dict[str, AnnotationDocument] = {}
        self._stacks: dict[str, CommandStack] = {}
        self._opened: dict[str, OpenedItem] = {}
        #: Folds stored label-map edits into snapshots in the background (see compaction).
        self.compactor = Compactor(profile, history=self._has_history)
        self.items_changed: EventEmitter[[]] = EventEmitter("items_changed")
        self.tasks_changed: EventEmitter[[]] = EventEmitter("tasks_changed")

    # ------------------------------------------------------------------ opening
    @classmethod
    def create(
        cls, path: Path, passphrase: str, user: str | None = None, kdf: Argon2Params | None = None
    ) -> Workspace:
        """A new profile at ``path`` (``kdf`` overrides the Argon2id cost, e.g. in tests)."""
        return cls(Profile.create(path, passphrase, user=user, kdf=kdf))

    @classmethod
    def unlock(cls, path: Path, passphrase: str) -> Workspace:
        """Open the profile at ``path``."""
        return cls(Profile.unlock(path, passphrase))

    @classmethod
    def unlock_with_recovery_key(cls, path: Path, recovery_key: str) -> Workspace:
        """Open the profile at ``path`` with an exported recovery key."""
        return cls(Profile.unlock_with_recovery_key(path, recovery_key))

    def change_passphrase(self, new_passphrase: str) -> None:
        """Re-wrap the data key under a new passphrase (e.g. after a recovery unlock)."""
        self.profile.change_passphrase(new_passphrase)

    @property
    def user(self) -> str:
        """Who is working (recorded on every edit and audit row)."""
        return self.profile.user

    def lock(self) -> None:
        """Drop the key; documents and stacks are forgotten."""
        self.compactor.stop()
        self._documents.clear()
        self._stacks.clear()
        self._opened.clear()
        self.profile.lock()

    # ------------------------------------------------------------------ items
    def import_paths(
        self,
        paths: Sequence[Path],
        on_problem: ProblemCallback | None = None,
        cancelled: Callable[[], bool] | None = None,
        progress: Callable[[int, int], None] | None = None,
        project: ProjectInfo | None = None,
        on_warning: ProblemCallback | None = None,
        frame: int | None = None,
    ) -> list[ItemSummary]:
        """Scan ``paths`` (files or folders), store what is recognised, report the rest.

        ``on_problem`` hears of each file left out; ``on_warning`` of each volume loaded
        despite a problem (uneven spacing, gantry tilt, missing slices). Of a 4D image, frame
        ``frame`` (from 1; the first by default) is imported.
        """
        found = scan(list(paths), on_problem=on_problem, cancelled=cancelled, progress=progress)
        stored: list[ItemSummary] = []
        for imported in found:
            if cancelled is not None and cancelled():
                break
            imported.meta.setdefault("source", source_label([f.path for f in imported.files]))
            project_id = project.id if project else None
            if imported.modality == "volume":
                if "time_frames" in imported.meta:
                    imported.meta["frame"] = chosen = 1 if frame is None else frame
                    imported.title += f", frame {chosen} of {imported.meta['time_frames']}"
                summary = self._store_volume(imported, project_id, on_problem, on_warning)
            elif SLIDE_SOURCE_KEY in imported.meta:  # tiles sealed one by one (progress in tiles)
                summary = store_slide_item(
                    self.profile, imported, project_id, on_problem, progress, cancelled
                )
            elif SIGNAL_FORMAT_KEY in imported.meta:  # a record with a signal reader
                summary = store_signal_item(self.profile, imported, project_id, on_problem)
            else:
                summary = item_store.store_item(self.profile, imported, project_id, cancelled)
            if summary is not None:
                stored.append(summary)
                files = [f.path for f in imported.files]  # note.ann beside note.txt...
                import_siblings(self, summary, files, on_problem)
        if stored:
            self.items_changed.emit()
        return stored

    def import_counted(
        self, paths: Sequence[Path], **options: Any
    ) -> tuple[list[ItemSummary], list[ItemSummary]]:
        """:meth:`import_paths` (same ``options``), returning every item the paths hold, in
        order, and those of them the profile already held before (nothing changed for them)."""
        known = {item.id for item in self.items()}
        items = self.import_paths(paths, **options)
        return items, [item for item in items if item.id in known]

    def _store_volume(
        self,
        imported: ImportedItem,
        project_id: str | None,
        on_problem: ProblemCallback | None,
        on_warning: ProblemCallback | None = None,
    ) -> ItemSummary | None:
        """Store a volume as its voxels (plus DICOM headers for a series), not as its files.

        A volume that cannot be assembled safely is reported and not imported at all.
        """
        try:
            if "image_format" in imported.meta:
                paths = [f.path for f in imported.files]
                frame = imported.meta.get("frame")
                volume, identity = read_image_volume(paths[0], paths[1:], frame)
                assembled = AssembledVolume(volume, warnings=list(volume.meta.get("warnings", [])))
            else:
                parsed = imported.parsed if isinstance(imported, DicomSeriesItem) else None
                paths = [f.path for f in imported.files]
                # the voxels are sealed while they are read; aborted below unless stored
                stream_to = self.profile.blobs.stream
                assembled = assemble_series(paths, parsed=parsed, stream_to=stream_to)
                identity = source_identity(assembled)
        except VolumeAssemblyError as exc:
            if on_problem is not None:
                on_problem(imported.files[0].path, f"{imported.title}: {exc}")
            return None
        try:
            if assembled.skipped:
                imported.meta["slices"] = assembled.volume.geometry.shape[0]
                imported.title = series_title(imported.meta)
            for path, reason in assembled.skipped:
                if on_problem is not None:
                    message = f"{reason} The rest of the series was imported: {imported.title}."
                    on_problem(path, message)
            if on_warning is not None:
                for warning in assembled.warnings:
                    on_warning(imported.files[0].path, f"{imported.title}: {warning}")
            existing = item_store.find_by_identity(self.profile, identity)
            if existing is not None:
                return self._repair_volume(existing, imported, assembled, on_problem, on_warning)
            sealed, entry = seal_volume(
                self.profile.blobs,
                assembled.volume,
                identity,
                assembled.warnings,
                assembled.sources,
                assembled.sealing,
            )
            imported.meta[VOLUME_META_KEY] = entry
            return item_store.store_item(self.profile, imported, project_id, sealed=sealed)
        finally:
            if assembled.sealing is not None:
                assembled.sealing.abort()  # does nothing once it was finished

    def _repair_volume(
        self,
        existing: ItemSummary,
        imported: ImportedItem,
        assembled: AssembledVolume,
        on_problem: ProblemCallback | None,
        on_warning: ProblemCallback | None,
    ) -> ItemSummary | None:
        """``existing`` (the volume imported again), its damaged blobs sealed again from the
        files just read; None, and a report, when they cannot be."""
        blobs = self.profile.blobs
        damaged = [f.digest for f in self.item_files(existing.id) if blobs.damage(f.digest)]
        if not damaged:
            return existing
        source = imported.files[0].path
        stored_voxels = existing.meta.get(VOLUME_META_KEY, {}).get("voxels")
        if stored_voxels == voxel_sha256(assembled.volume):
            seal_volume(
                blobs,
                assembled.volume,
                existing.content_digest,
                assembled.warnings,
                assembled.sources,
                assembled.sealing,
                repair=True,
            )
        if any(blobs.damage(digest) for digest in damaged):
            if on_problem is not None:
                on_problem(
                    source,
                    f"{existing.title}: its stored copy is damaged and could not be repaired "
                    "from this file (it does not give the voxels stored); run caliper check.",
                )
            return None
        if on_warning is not None:
            on_warning(source, f"{existing.title}: its damaged stored copy was repaired.")
        return existing

    def load_volume(self, item_id: str) -> Volume:
        """The voxels and geometry of a volume item, read from the encrypted store."""
        return load_volume(self.profile.blobs, self.item(item_id).meta)

    def series_display(self, item_id: str) -> SeriesDisplay:
        """How a volume item describes its display: modality, its own window, units."""
        return series_display(self.profile.blobs, self.item(item_id).meta)

    def load_signals(self, item_id: str, channels: Sequence[int] | None = None) -> SignalRecord:
        """The samples of a waveform item (or of the channels numbered), from the store."""
        return load_signals(self.profile.blobs, self.item(item_id).meta, channels)

    def open_slide(self, item_id: str, cache_mb: float = 256) -> SlideReader:
        """A slide item open for reading tile by tile (tile cache bounded in MB); close it."""
        from workspace.slides.reader import SlideReader

        return SlideReader.open(self.profile.blobs, self.item(item_id), cache_mb)

    def open_audio(self, file: ItemFile) -> AudioSource:
        """One stored recording (an audio item's file) open for reading; close it when done."""
        from workspace.audio.source import open_stored_audio

        return open_stored_audio(self.profile.blobs, file.digest, file.name)

    def items(self, modality: str | None = None) -> list[ItemSummary]:
        """Every item, oldest first."""
        with self.profile.database.read() as session:
            return item_store.list_items(session, modality)

    def item(self, item_id: str) -> ItemSummary:
        """One item."""
        with self.profile.database.read() as session:
            return item_store.get_item(session, item_id)

    def item_files(self, item_id: str) -> list[ItemFile]:
        """The stored files of an item."""
        with self.profile.database.read() as session:
            return item_store.item_files(session, item_id)

    def read_file(self, file: ItemFile) -> bytearray:
        """The decrypted bytes of one stored file (integrity-checked)."""
        return self.profile.blobs.get(file.digest)

    def open_item(self, item_id: str) -> OpenedItem:
        """Open an item for a viewer: it, its task, schema, files and annotations, read in one
        transaction that also marks it recently opened, audits the view and starts its task
        if new."""
        with self.profile.database.write() as session:
            opened = open_stored_item(session, self.profile.audit, item_id)
        self._opened[item_id] = opened
        if item_id not in self._documents:
            self._documents[item_id] = AnnotationDocument(item_id, opened.annotations)
        if opened.started:
            self.tasks_changed.emit()
        return opened

    def opened(self, item: ItemSummary) -> OpenedItem:
        """The item as :meth:`open_item` has just read it, for the viewer made next (taken once);
        read now, in one transaction, when it was not opened so (a viewer made directly)."""
        opened = self._opened.pop(item.id, None)
        if opened is None:
            with self.profile.database.read() as session:
                opened = describe(session, item)
        return opened

    def task_state(self, item_id: str) -> TaskState:
        """The item's task and why its edits are refused (None while allowed), read at once."""
        with self.profile.database.read() as session:
            return task_state(session, item_id)

    def recent_items(self) -> list[ItemSummary]:
        """Recently opened items, newest first."""
        with self.profile.database.read() as session:
            return [item_store.get_item(session, i) for i in settings.recent_item_ids(session)]

    # ------------------------------------------------------------------ schemas, projects
    def schema_for(self, item: ItemSummary) -> LabelSchema:
        """The label schema that applies to ``item`` (see :func:`item_schemas.schema_for`)."""
        with self.profile.database.read() as session:
            return item_schemas.schema_for(session, item)

    def schema_id_for(self, item: ItemSummary) -> str:
        """The id of :meth:`schema_for` ``item`` (without reading the schema)."""
        with self.profile.database.read() as session:
            return item_schemas.stored_schema_id(session, item) or default_schema_id(item)

    def ensure_project(self, name: str, schema: LabelSchema) -> ProjectInfo:
        """The project ``name``, created with ``schema`` if new."""
        with self.profile.database.write() as session:
            return projects.ensure_project(session, name, schema)

    def projects(self) -> list[ProjectInfo]:
        """Every project."""
        with self.profile.database.read() as session:
            return projects.list_projects(session)

    # ------------------------------------------------------------------ tasks
    def create_batch(
        self, project: ProjectInfo, title: str, item_ids: list[str], track: str | None = None
    ) -> str:
        """A local batch with one new task per item."""
        with self.profile.database.write() as session:
            batch_id = projects.create_batch(session, project.id, title, item_ids, track, self.user)
            self.profile.audit.append(session, "batch.create", batch_id, {"tasks": len(item_ids)})
        self.tasks_changed.emit()
        return batch_id

    def tasks(self) -> list[TaskSummary]:
        """Every task."""
        with self.profile.database.read() as session:
            return projects.list_tasks(session)

    def task(self, task_id: str) -> TaskSummary:
        """One task (KeyError with a clear message if absent)."""
        with self.profile.database.read() as session:
            return projects.get_task(session, task_id)

    def item_task(self, item_id: str) -> TaskSummary | None:
        """The task ``item_id`` is worked on in: an open one if any, else the newest."""
        with self.profile.database.read() as session:
            return projects.item_task(session, item_id)

    def edit_lock(self, item_id: str) -> str | None:
        """Why edits of ``item_id`` are refused (its task is submitted...), None if allowed."""
        with self.profile.database.read() as session:
            return edit_lock(session, item_id)

    def require_editable(self, item_id: str) -> None:
        """Raise :class:`TaskReadOnlyError` (saying why) unless ``item_id`` may be edited.

        For work done before the edit is pushed (a snapshot sealed into the blob store);
        every push is checked again in its own transaction.
        """
        reason = self.edit_lock(item_id)
        if reason is not None:
            raise TaskReadOnlyError(reason)

    def reopen_task(self, task_id: str) -> int:
        """Reopen a submitted (or sent back) task as a new revision; returns its number."""
        with self.profile.database.write() as session:
            old, revision = projects.reopen_task(session, task_id)
            self.profile.audit.append(
                session, "task.reopen", task_id, {"from": old.value, "revision": revision}
            )
        self.tasks_changed.emit()
        return revision

    def set_task_status(self, task_id: str, status: TaskStatus) -> None:
        """Move a task through the workflow (audited)."""
        with self.profile.database.write() as session:
            old = projects.set_task_status(session, task_id, status)
            self.profile.audit.append(
                session, "task.status", task_id, {"from": old.value, "to": status.value}
            )
        self.tasks_changed.emit()

    # ------------------------------------------------------------------ annotations
    def document(self, item_id: str) -> AnnotationDocument:
        """The annotations of one item, loaded once and then kept in step by commands."""
        if item_id not in self._documents:
            with self.profile.database.read() as session:
                annotations = read_annotations(session, item_id)
            self._documents[item_id] = AnnotationDocument(item_id, annotations)
        return self._documents[item_id]

    def command_stack(self, item_id: str) -> CommandStack:
        """The undo/redo stack of one item; every push is persisted before it returns."""
        if item_id not in self._stacks:
            sink = StoreSink(
                self.profile.database,
                self.profile.audit,
                item_id,
                check_editable,
                label_map_edited=lambda: self.compactor.edited(item_id),
            )
            self._stacks[item_id] = CommandStack(sink)
        return self._stacks[item_id]

    def _has_history(self, item_id: str) -> bool:
        """Whether an undo or redo step of this session may bring back another segmentation
        record of the item: one that adds, changes or removes annotations (label edits and
        segment edits keep the record)."""
        stack = self._stacks.get(item_id)
        kinds = stack.step_kinds if stack is not None else frozenset()
        return any(kind.startswith("annotation.") or kind == "compound" for kind in kinds)

    def item_closed(self, item_id: str) -> None:
        """The item's viewer closed: its stored segmentation edits are folded into a snapshot
        in the background, so the next open or export replays none of them."""
        self.compactor.closed(item_id)

    def editing(self, item_id: str) -> ItemEditing:
        """The item's live annotations and undo stack, for the subsystems that edit it."""
        return ItemEditing(self.document(item_id), self.command_stack(item_id))

    def annotations(self, item_id: str | None = None) -> list[Annotation]:
        """Stored annotations (of one item, or all), read from the store."""
        with self.profile.database.read() as session:
            return read_annotations(session, item_id)

    # ------------------------------------------------------------------ segmentation
    def terminologies(self) -> TerminologyStore:
        """The terminology releases imported into this profile (LOINC, SNOMED CT, RxNorm)."""
        from workspace.terminology.store import TerminologyStore

        return TerminologyStore(self.profile.database, self.profile.audit)

    def load_segmentation(self, item_id: str) -> LabelMap:
        """The item's stored segmentation (``NoSegmentationError`` if none; a damaged one is a
        ``DamagedSegmentationError``, never an empty map)."""
        return segmentation_store.load_segmentation(self.profile, item_id)

    def save_segmentation(
        self, item_id: str, labels: LabelMap, source: str, sealed: str | None = None
    ) -> str:
        """Store ``labels`` as the item's segmentation (an undoable step); the record id.
        ``sealed``: the digest :meth:`seal_labels` returned for these very labels."""
        return segmentation_store.save_segmentation(
            self.profile, self.editing(item_id), labels, source, sealed
        )

    def seal_labels(self, labels: LabelMap) -> str:
        """Seal a snapshot of ``labels`` into the blob store (safe on a worker thread: the
        slow part of :meth:`save_segmentation`); returns its digest."""
        return segmentation_store.seal_labels(self.profile, labels)

    def open_segmentation(
        self, item_id: str, schema: LabelSchema | None = None
    ) -> SegmentationDocument:
        """The item's segmentation for editing; a new one has a segment per class of
        ``schema`` (default: the item's schema)."""
        item = self.item(item_id)
        schema = schema or self.schema_for(item)
        return segmentation_store.open_segmentation(
            self.profile, self.editing(item_id), item, schema
        )

    def import_segmentation(
        self, item_id: str, path: Path, names: list[str] | None = None
    ) -> LabelMap:
        """Import a NIfTI/NRRD label map or a DICOM SEG as the segmentation of a volume item
        (``SegmentationImportError`` when it does not fit the volume)."""
        labels = read_label_file(self.profile.blobs, self.item(item_id), path, names)
        self.save_segmentation(item_id, labels, source=path.name)
        return labels

    # ------------------------------------------------------------------ sync
    async def sync(
        self,
        config: SyncConfig,
        *,
        pull: int = 0,
        push: bool = True,
        progress: ProgressCallback | None = None,
        paused: Callable[[], bool] | None = None,
    ) -> SyncReport:
        """One sync (:func:`~workspace.sync.session.sync_once`); the item and task lists hear of
        each batch stored."""
        from workspace.sync.session import sync_once  # nats-py is loaded when a sync starts

        return await sync_once(
            self.profile,
            config,
            pull=pull,
            push=push,
            progress=progress,
            paused=paused,
            on_stored=self._stored,
        )

    async def import_batch_file(self, path: Path, connect: Connector) -> ImportedFile:
        """Import a batch file: a batch to annotate, or a manager's results."""
        from workspace.sync.batch_transfer import import_file

        imported = await import_file(self.profile, path, connect)
        self._stored()
        return imported

    def submit_concern(self, task_id: str) -> str | None:
        """Why submitting ``task_id`` deserves a second thought (None if it does not)."""
        from workspace.sync.outbox import submit_concern

        return submit_concern(self.profile, task_id)

    def submit_task(self, task_id: str, *, allow_empty: bool = True) -> str:
        """Submit a checked-out task: its result is queued to send; returns the result id."""
        from workspace.sync.outbox import submit_task

        result_id = submit_task(self.profile, task_id, allow_empty=allow_empty)
        self.tasks_changed.emit()
        return result_id

    def checked_out(self) -> list[CheckoutRow]:
        """Every batch this profile checked out, newest first."""
        return checkouts.checked_out(self.profile)

    def exportable_batches(self) -> list[str]:
        """Checked-out batches with a submitted result (what a batch file can return)."""
        return checkouts.exportable_batches(self.profile)

    def outbox_count(self) -> int:
        """Results submitted but not yet sent."""
        from workspace.sync.outbox_rows import pending  # not .outbox: NATS takes 0.3 s to import

        return len(pending(self.profile))

    def _stored(self) -> None:
        self.tasks_changed.emit()
        self.items_changed.emit()

    # ------------------------------------------------------------------ settings
    def setting(self, key: str, default: Any = None) -> Any:
        """A user setting."""
        with self.profile.database.read() as session:
            return settings.get_setting(session, key, default)

    def set_setting(self, key: str, value: Any) -> None:
        """Store a user setting."""
        with self.profile.database.write() as session:
            settings.set_setting(session, key, value)
