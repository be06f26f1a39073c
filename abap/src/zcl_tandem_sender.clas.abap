"! <p class="shorttext synchronized">Tandem: delivers the outbox to Tandem</p>
"! Posts pending outbox events as CloudEvents batches through the SM59 destination named in
"! ZTANDEM_CONFIG, in creation order per object, and retries failures with back-off. The ordering,
"! batching and retry rules are ZCL_TANDEM_EVENT_BATCH (unit-tested in and outside SAP); this class
"! adds database and HTTP access and is therefore tested in SAP only.
CLASS zcl_tandem_sender DEFINITION PUBLIC FINAL CREATE PUBLIC.

  PUBLIC SECTION.
    TYPES:
      BEGIN OF ty_result,
        delivered TYPE i,
        retried   TYPE i,
        failed    TYPE i,
        message   TYPE string,
      END OF ty_result.

    METHODS constructor.

    "! Sends what is due. Returns counts; a second job running at the same time returns at once.
    METHODS run
      RETURNING
        VALUE(rs_result) TYPE ty_result.

    "! Queues a heartbeat when the last one is older than the configured interval
    METHODS heartbeat_if_due.

    "! Deletes sent events older than the retention period
    METHODS clean_up.

  PRIVATE SECTION.
    DATA ms_config TYPE ztandem_config.
    DATA mo_batch TYPE REF TO zcl_tandem_event_batch.

    METHODS post
      IMPORTING
        iv_body          TYPE string
      EXPORTING
        ev_status        TYPE i
        ev_retry_after   TYPE i
        ev_message       TYPE string.

    METHODS deliver
      IMPORTING
        is_batch   TYPE zcl_tandem_event_batch=>ty_batch
      CHANGING
        cs_result  TYPE ty_result.

    METHODS mark
      IMPORTING
        it_event_ids   TYPE zcl_tandem_event_batch=>ty_event_ids
        iv_outcome     TYPE zcl_tandem_event_batch=>ty_outcome
        iv_status      TYPE i
        iv_retry_after TYPE i
        iv_message     TYPE string.

    METHODS lock
      RETURNING
        VALUE(rv_locked) TYPE abap_bool.

    METHODS unlock.
ENDCLASS.



CLASS zcl_tandem_sender IMPLEMENTATION.

  METHOD constructor.
    SELECT SINGLE * FROM ztandem_config WHERE config_id = @zcl_tandem_outbox=>gc_config_id
      INTO @ms_config.
    IF ms_config-heartbeat_minutes <= 0.
      ms_config-heartbeat_minutes = 5.
    ENDIF.
    IF ms_config-retention_days <= 0.
      ms_config-retention_days = 14.
    ENDIF.
    mo_batch = NEW #( iv_max_events = ms_config-batch_size ).
  ENDMETHOD.


  METHOD run.
    DATA lt_rows TYPE zcl_tandem_outbox=>ty_rows.
    DATA lt_entries TYPE zcl_tandem_event_batch=>ty_entries.
    DATA lt_batches TYPE zcl_tandem_event_batch=>ty_batches.
    DATA lv_now TYPE zcl_tandem_event_batch=>ty_timestamp.

    IF ms_config-destination IS INITIAL.
      rs_result-message = `No destination in ZTANDEM_CONFIG (entry DEFAULT): nothing sent`.
      RETURN.
    ENDIF.
    IF lock( ) = abap_false.
      rs_result-message = `Another sender is running`.
      RETURN.
    ENDIF.

    " Oldest first and bounded, so one run stays short; the next run continues.
    SELECT * FROM ztandem_outbox
      WHERE status = @zcl_tandem_outbox=>gc_status-pending
      ORDER BY created_at, event_id
      INTO TABLE @lt_rows
      UP TO 5000 ROWS.
    lt_entries = VALUE #( FOR ls_row IN lt_rows ( event_id        = ls_row-event_id
                                                  created_at      = ls_row-created_at
                                                  object_key      = |{ ls_row-object_type }:{ ls_row-object_key }|
                                                  next_attempt_at = ls_row-next_attempt_at
                                                  payload         = ls_row-payload ) ).
    GET TIME STAMP FIELD lv_now.
    lt_batches = mo_batch->split( mo_batch->sendable( it_entries = lt_entries
                                                      iv_now     = lv_now ) ).
    LOOP AT lt_batches INTO DATA(ls_batch).
      deliver( EXPORTING is_batch  = ls_batch
               CHANGING  cs_result = rs_result ).
      COMMIT WORK.
      IF rs_result-retried > 0.
        " Tandem or the connection is down: the rest would fail the same way; the next run retries.
        EXIT.
      ENDIF.
    ENDLOOP.
    unlock( ).
  ENDMETHOD.


  METHOD deliver.
    DATA lv_status TYPE i.
    DATA lv_retry_after TYPE i.
    DATA lv_message TYPE string.
    DATA lv_outcome TYPE zcl_tandem_event_batch=>ty_outcome.
    DATA lt_single TYPE zcl_tandem_event_batch=>ty_event_ids.
    DATA lv_payload TYPE string.

    post( EXPORTING iv_body        = is_batch-body
          IMPORTING ev_status      = lv_status
                    ev_retry_after = lv_retry_after
                    ev_message     = lv_message ).
    lv_outcome = zcl_tandem_event_batch=>classify( lv_status ).
    IF lv_outcome = zcl_tandem_event_batch=>gc_outcome-rejected AND lines( is_batch-event_ids ) > 1.
      " Tandem stores all of a request or nothing: find the refused event by sending one at a time.
      LOOP AT is_batch-event_ids INTO DATA(lv_id).
        SELECT SINGLE payload FROM ztandem_outbox WHERE event_id = @lv_id
          INTO @lv_payload.
        CLEAR lt_single.
        APPEND lv_id TO lt_single.
        deliver( EXPORTING is_batch  = VALUE #( event_ids = lt_single body = |[{ lv_payload }]| )
                 CHANGING  cs_result = cs_result ).
      ENDLOOP.
      RETURN.
    ENDIF.
    mark( it_event_ids   = is_batch-event_ids
          iv_outcome     = lv_outcome
          iv_status      = lv_status
          iv_retry_after = lv_retry_after
          iv_message     = lv_message ).
    CASE lv_outcome.
      WHEN zcl_tandem_event_batch=>gc_outcome-delivered.
        cs_result-delivered = cs_result-delivered + lines( is_batch-event_ids ).
      WHEN zcl_tandem_event_batch=>gc_outcome-retry.
        cs_result-retried = cs_result-retried + lines( is_batch-event_ids ).
        cs_result-message = lv_message.
      WHEN OTHERS.
        cs_result-failed = cs_result-failed + lines( is_batch-event_ids ).
        cs_result-message = lv_message.
    ENDCASE.
  ENDMETHOD.


  METHOD post.
    DATA lo_client TYPE REF TO if_http_client.
    DATA lv_reason TYPE string.
    DATA lv_body TYPE string.

    CLEAR: ev_status, ev_retry_after, ev_message.
    cl_http_client=>create_by_destination(
      EXPORTING
        destination              = ms_config-destination
      IMPORTING
        client                   = lo_client
      EXCEPTIONS
        argument_not_found       = 1
        destination_not_found    = 2
        destination_no_authority = 3
        plugin_not_active        = 4
        internal_error           = 5
        OTHERS                   = 6 ).
    IF sy-subrc <> 0.
      ev_message = |SM59 destination { ms_config-destination } cannot be used (create_by_destination { sy-subrc })|.
      RETURN.
    ENDIF.
    lo_client->request->set_method( if_http_request=>co_request_method_post ).
    lo_client->request->set_header_field( name  = 'Content-Type'
                                          value = zcl_tandem_event_batch=>gc_content_type ).
    lo_client->request->set_cdata( iv_body ).
    lo_client->send( EXCEPTIONS OTHERS = 1 ).
    IF sy-subrc = 0.
      lo_client->receive( EXCEPTIONS OTHERS = 1 ).
    ENDIF.
    IF sy-subrc <> 0.
      lo_client->get_last_error( IMPORTING message = ev_message ).
      lo_client->close( ).
      RETURN.
    ENDIF.
    lo_client->response->get_status( IMPORTING code   = ev_status
                                               reason = lv_reason ).
    ev_retry_after = lo_client->response->get_header_field( 'Retry-After' ).
    IF ev_status < 200 OR ev_status >= 300.
      lv_body = lo_client->response->get_cdata( ).
      ev_message = |HTTP { ev_status } { lv_reason }: { substring( val = lv_body len = nmin( val1 = 200 val2 = strlen( lv_body ) ) ) }|.
    ENDIF.
    lo_client->close( ).
  ENDMETHOD.


  METHOD mark.
    DATA lv_now TYPE timestamp.
    DATA lv_next TYPE timestamp.
    DATA lv_attempts TYPE i.

    GET TIME STAMP FIELD lv_now.
    LOOP AT it_event_ids INTO DATA(lv_id).
      CASE iv_outcome.
        WHEN zcl_tandem_event_batch=>gc_outcome-delivered.
          UPDATE ztandem_outbox SET status = @zcl_tandem_outbox=>gc_status-sent, sent_at = @lv_now,
                                    http_status = @iv_status, last_error = ' '
            WHERE event_id = @lv_id.
        WHEN zcl_tandem_event_batch=>gc_outcome-retry.
          SELECT SINGLE attempts FROM ztandem_outbox WHERE event_id = @lv_id
            INTO @lv_attempts.
          lv_attempts = lv_attempts + 1.
          lv_next = cl_abap_tstmp=>add( tstmp = lv_now
                                        secs  = zcl_tandem_event_batch=>retry_delay( iv_attempts    = lv_attempts
                                                                                     iv_retry_after = iv_retry_after ) ).
          UPDATE ztandem_outbox SET attempts = @lv_attempts, next_attempt_at = @lv_next,
                                    http_status = @iv_status, last_error = @iv_message
            WHERE event_id = @lv_id.
        WHEN OTHERS.
          UPDATE ztandem_outbox SET status = @zcl_tandem_outbox=>gc_status-failed, http_status = @iv_status,
                                    last_error = @iv_message
            WHERE event_id = @lv_id.
      ENDCASE.
    ENDLOOP.
  ENDMETHOD.


  METHOD heartbeat_if_due.
    DATA lv_last TYPE timestampl.
    DATA lv_now TYPE timestamp.
    DATA lv_due TYPE timestampl.
    DATA lv_pending TYPE i.
    DATA lv_failed TYPE i.
    DATA lv_id TYPE zcl_tandem_event_batch=>ty_event_id.
    DATA ls_row TYPE ztandem_outbox.

    SELECT MAX( created_at ) FROM ztandem_outbox
      WHERE object_type = @zcl_tandem_event=>gc_object-heartbeat
      INTO @lv_last.
    GET TIME STAMP FIELD lv_now.
    lv_due = cl_abap_tstmp=>add( tstmp = lv_last
                                 secs  = ms_config-heartbeat_minutes * 60 ).
    IF lv_last IS NOT INITIAL AND lv_due > lv_now.
      RETURN.
    ENDIF.
    SELECT COUNT(*) FROM ztandem_outbox WHERE status = @zcl_tandem_outbox=>gc_status-pending
      INTO @lv_pending.
    SELECT COUNT(*) FROM ztandem_outbox WHERE status = @zcl_tandem_outbox=>gc_status-failed
      INTO @lv_failed.
    lv_id = zcl_tandem_outbox=>new_event_id( ).
    ls_row = zcl_tandem_outbox=>new_row( iv_object_type = zcl_tandem_event=>gc_object-heartbeat
                                         iv_object_key  = 'HEARTBEAT'
                                         iv_event_type  = zcl_tandem_event=>gc_heartbeat_type
                                         iv_event_id    = lv_id
                                         iv_payload     = zcl_tandem_outbox=>builder( )->heartbeat(
                                                            iv_id      = lv_id
                                                            iv_sent_at = lv_now
                                                            iv_pending = lv_pending
                                                            iv_failed  = lv_failed ) ).
    INSERT ztandem_outbox FROM @ls_row.
    COMMIT WORK.
  ENDMETHOD.


  METHOD clean_up.
    DATA lv_now TYPE timestamp.
    DATA lv_limit TYPE timestamp.

    GET TIME STAMP FIELD lv_now.
    lv_limit = cl_abap_tstmp=>subtractsecs( tstmp = lv_now
                                            secs  = ms_config-retention_days * 86400 ).
    DELETE FROM ztandem_outbox WHERE status = @zcl_tandem_outbox=>gc_status-sent AND sent_at < @lv_limit.
    COMMIT WORK.
  ENDMETHOD.


  METHOD lock.
    CALL FUNCTION 'ENQUEUE_E_TABLE'
      EXPORTING
        tabname        = 'ZTANDEM_OUTBOX'
        varkey         = 'SENDER'
      EXCEPTIONS
        foreign_lock   = 1
        system_failure = 2
        OTHERS         = 3.
    rv_locked = boolc( sy-subrc = 0 ).
  ENDMETHOD.


  METHOD unlock.
    CALL FUNCTION 'DEQUEUE_E_TABLE'
      EXPORTING
        tabname = 'ZTANDEM_OUTBOX'
        varkey  = 'SENDER'.
  ENDMETHOD.

ENDCLASS.
