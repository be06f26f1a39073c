*&---------------------------------------------------------------------*
*& Tandem: event sender job
*& Schedule in SM36 as a periodic job (every minute, user TANDEM_BATCH).
*& Each run stays for P_SECS seconds and sends whatever is due every
*& P_WAIT seconds, so events reach Tandem within seconds, not minutes;
*& it also queues the heartbeat and deletes old sent events.
*&---------------------------------------------------------------------*
REPORT ztandem_event_sender.

PARAMETERS p_secs TYPE i DEFAULT 55.
PARAMETERS p_wait TYPE i DEFAULT 2.

START-OF-SELECTION.
  PERFORM run.

FORM run.
  DATA lo_sender TYPE REF TO zcl_tandem_sender.
  DATA ls_result TYPE zcl_tandem_sender=>ty_result.
  DATA ls_total TYPE zcl_tandem_sender=>ty_result.
  DATA lv_start TYPE timestamp.
  DATA lv_now TYPE timestamp.

  lo_sender = NEW #( ).
  lo_sender->clean_up( ).
  GET TIME STAMP FIELD lv_start.
  DO.
    lo_sender->heartbeat_if_due( ).
    ls_result = lo_sender->run( ).
    ls_total-delivered = ls_total-delivered + ls_result-delivered.
    ls_total-retried = ls_total-retried + ls_result-retried.
    ls_total-failed = ls_total-failed + ls_result-failed.
    IF ls_result-message IS NOT INITIAL.
      ls_total-message = ls_result-message.
    ENDIF.
    GET TIME STAMP FIELD lv_now.
    IF cl_abap_tstmp=>subtract( tstmp1 = lv_now
                                tstmp2 = lv_start ) + p_wait >= p_secs.
      EXIT.
    ENDIF.
    WAIT UP TO p_wait SECONDS.
  ENDDO.
  WRITE: / 'Delivered:', ls_total-delivered,
         / 'Retry later:', ls_total-retried,
         / 'Refused by Tandem:', ls_total-failed.
  IF ls_total-message IS NOT INITIAL.
    WRITE / ls_total-message.
    MESSAGE ls_total-message TYPE 'S'.
  ENDIF.
ENDFORM.
