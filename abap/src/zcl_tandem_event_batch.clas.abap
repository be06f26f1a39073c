"! <p class="shorttext synchronized">Tandem: orders, batches and retries outbox events</p>
"! The delivery rules of the event sender, kept free of database and HTTP access so that they are
"! unit-tested outside SAP too: which outbox entries may go now (per-object order), how they are cut
"! into CloudEvents batches, how an HTTP answer is treated and how long a failed entry waits.
CLASS zcl_tandem_event_batch DEFINITION PUBLIC FINAL CREATE PUBLIC.

  PUBLIC SECTION.
    TYPES ty_event_id TYPE c LENGTH 32.
    TYPES ty_timestamp TYPE p LENGTH 8 DECIMALS 0.
    "! Creation time with 100 ns resolution (type TIMESTAMPL): the order of events of one object
    TYPES ty_timestampl TYPE p LENGTH 11 DECIMALS 7.
    TYPES ty_outcome TYPE c LENGTH 1.

    TYPES:
      BEGIN OF ty_entry,
        event_id        TYPE ty_event_id,
        created_at      TYPE ty_timestampl,
        object_key      TYPE string,
        next_attempt_at TYPE ty_timestamp,
        payload         TYPE string,
      END OF ty_entry,
      ty_entries TYPE STANDARD TABLE OF ty_entry WITH DEFAULT KEY,
      ty_event_ids TYPE STANDARD TABLE OF ty_event_id WITH DEFAULT KEY,
      BEGIN OF ty_batch,
        event_ids TYPE ty_event_ids,
        body      TYPE string,
      END OF ty_batch,
      ty_batches TYPE STANDARD TABLE OF ty_batch WITH DEFAULT KEY.

    CONSTANTS:
      BEGIN OF gc_outcome,
        "! Stored by Tandem
        delivered TYPE ty_outcome VALUE 'S',
        "! Tandem or the network is unavailable, or the credential is wrong: try again later
        retry     TYPE ty_outcome VALUE 'R',
        "! Tandem refused the content: send alone, and park an event refused alone
        rejected  TYPE ty_outcome VALUE 'X',
      END OF gc_outcome.

    "! Tandem accepts at most 1,000 events and 1 MB per request.
    CONSTANTS gc_max_events TYPE i VALUE 1000.
    CONSTANTS gc_content_type TYPE string VALUE `application/cloudevents-batch+json`.

    "! @parameter iv_max_events | events per request (1 to 1,000)
    "! @parameter iv_max_chars | characters per request body; at most 4 bytes per character in UTF-8,
    "!   so 250,000 characters stay below Tandem's 1 MB limit whatever the text
    METHODS constructor
      IMPORTING
        iv_max_events TYPE i DEFAULT 100
        iv_max_chars  TYPE i DEFAULT 250000.

    "! The entries that may be sent now, in creation order. Events of one object keep their order:
    "! once an entry of an object is not due yet, every later entry of that object waits too.
    METHODS sendable
      IMPORTING
        it_entries        TYPE ty_entries
        iv_now            TYPE ty_timestamp
      RETURNING
        VALUE(rt_entries) TYPE ty_entries.

    "! Cuts entries (already in order) into request bodies of at most the configured size.
    "! An entry larger than the limit travels alone.
    METHODS split
      IMPORTING
        it_entries        TYPE ty_entries
      RETURNING
        VALUE(rt_batches) TYPE ty_batches.

    "! What an HTTP status (0 = no connection) means for the events of the request
    CLASS-METHODS classify
      IMPORTING
        iv_status         TYPE i
      RETURNING
        VALUE(rv_outcome) TYPE ty_outcome.

    "! Seconds to wait before attempt number iv_attempts + 1: 30 s doubling up to one hour,
    "! never less than the server's Retry-After
    CLASS-METHODS retry_delay
      IMPORTING
        iv_attempts       TYPE i
        iv_retry_after    TYPE i DEFAULT 0
      RETURNING
        VALUE(rv_seconds) TYPE i.

  PRIVATE SECTION.
    DATA mv_max_events TYPE i.
    DATA mv_max_chars TYPE i.
ENDCLASS.



CLASS zcl_tandem_event_batch IMPLEMENTATION.

  METHOD constructor.
    mv_max_events = iv_max_events.
    IF mv_max_events < 1 OR mv_max_events > gc_max_events.
      mv_max_events = gc_max_events.
    ENDIF.
    mv_max_chars = iv_max_chars.
    IF mv_max_chars < 1.
      mv_max_chars = 250000.
    ENDIF.
  ENDMETHOD.


  METHOD sendable.
    DATA lt_sorted TYPE ty_entries.
    DATA lt_held TYPE SORTED TABLE OF string WITH UNIQUE KEY table_line.
    FIELD-SYMBOLS <ls_entry> TYPE ty_entry.

    lt_sorted = it_entries.
    SORT lt_sorted BY created_at ASCENDING event_id ASCENDING.
    LOOP AT lt_sorted ASSIGNING <ls_entry>.
      IF line_exists( lt_held[ table_line = <ls_entry>-object_key ] ).
        CONTINUE.
      ENDIF.
      IF <ls_entry>-next_attempt_at > iv_now.
        INSERT <ls_entry>-object_key INTO TABLE lt_held.
        CONTINUE.
      ENDIF.
      APPEND <ls_entry> TO rt_entries.
    ENDLOOP.
  ENDMETHOD.


  METHOD split.
    DATA ls_batch TYPE ty_batch.
    DATA lv_count TYPE i.
    DATA lv_chars TYPE i.
    DATA lv_size TYPE i.
    FIELD-SYMBOLS <ls_entry> TYPE ty_entry.

    LOOP AT it_entries ASSIGNING <ls_entry>.
      " Brackets and commas count too.
      lv_size = strlen( <ls_entry>-payload ) + 1.
      IF lv_count > 0 AND ( lv_count >= mv_max_events OR lv_chars + lv_size + 1 > mv_max_chars ).
        ls_batch-body = ls_batch-body && `]`.
        APPEND ls_batch TO rt_batches.
        CLEAR: ls_batch, lv_count, lv_chars.
      ENDIF.
      IF lv_count = 0.
        ls_batch-body = `[` && <ls_entry>-payload.
      ELSE.
        ls_batch-body = ls_batch-body && `,` && <ls_entry>-payload.
      ENDIF.
      APPEND <ls_entry>-event_id TO ls_batch-event_ids.
      lv_count = lv_count + 1.
      lv_chars = lv_chars + lv_size.
    ENDLOOP.
    IF lv_count > 0.
      ls_batch-body = ls_batch-body && `]`.
      APPEND ls_batch TO rt_batches.
    ENDIF.
  ENDMETHOD.


  METHOD classify.
    IF iv_status >= 200 AND iv_status < 300.
      rv_outcome = gc_outcome-delivered.
    ELSEIF iv_status = 400 OR iv_status = 413 OR iv_status = 415 OR iv_status = 422.
      rv_outcome = gc_outcome-rejected.
    ELSE.
      " No connection, 401/403 (credential being fixed), 404 (path being fixed), 408, 429, 5xx:
      " the events stay and go once the cause is gone.
      rv_outcome = gc_outcome-retry.
    ENDIF.
  ENDMETHOD.


  METHOD retry_delay.
    DATA lv_step TYPE i.

    rv_seconds = 30.
    WHILE lv_step < iv_attempts - 1 AND rv_seconds < 3600.
      rv_seconds = rv_seconds * 2.
      lv_step = lv_step + 1.
    ENDWHILE.
    IF rv_seconds > 3600.
      rv_seconds = 3600.
    ENDIF.
    IF iv_retry_after > rv_seconds.
      rv_seconds = iv_retry_after.
    ENDIF.
  ENDMETHOD.

ENDCLASS.
