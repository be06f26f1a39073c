*&---------------------------------------------------------------------*
*& Tandem: resend the events of a time range (recovery)
*& After an outage or a restore on Tandem's side: queues the outbox
*& events created in the range again (sent or refused ones included).
*& With P_SCAN it also queues a "changed" event for every activity and
*& business partner changed in the range, which covers changes made
*& while the hooks were not active. Tandem re-reads every object, so
*& sending an event twice is harmless.
*&---------------------------------------------------------------------*
REPORT ztandem_event_resend.

DATA gv_created TYPE timestampl.
DATA gv_object TYPE c LENGTH 10.

SELECT-OPTIONS s_time FOR gv_created OBLIGATORY.
SELECT-OPTIONS s_object FOR gv_object.
PARAMETERS p_scan AS CHECKBOX DEFAULT abap_false.
PARAMETERS p_test AS CHECKBOX DEFAULT abap_true.

START-OF-SELECTION.
  PERFORM requeue_outbox.
  IF p_scan = abap_true.
    PERFORM scan_activities.
    PERFORM scan_partners.
  ENDIF.
  IF p_test = abap_false.
    COMMIT WORK.
  ELSE.
    ROLLBACK WORK.
    WRITE / 'Test run: nothing was changed.'.
  ENDIF.

FORM requeue_outbox.
  DATA lv_count TYPE i.

  UPDATE ztandem_outbox SET status = @zcl_tandem_outbox=>gc_status-pending, attempts = 0, next_attempt_at = 0
    WHERE created_at IN @s_time AND object_type IN @s_object
      AND object_type <> @zcl_tandem_event=>gc_object-heartbeat.
  lv_count = sy-dbcnt.
  WRITE: / 'Outbox events queued again:', lv_count.
ENDFORM.

FORM scan_activities.
  DATA lv_count TYPE i.
  DATA lv_from TYPE timestamp.
  DATA lv_to TYPE timestamp.
  DATA lv_guid TYPE zcl_tandem_event=>ty_guid_hex.

  PERFORM range_bounds CHANGING lv_from lv_to.
  SELECT guid, object_type, process_type FROM crmd_orderadm_h
    WHERE object_type IN ( @zcl_tandem_event=>gc_object-appointment, @zcl_tandem_event=>gc_object-task )
      AND changed_at BETWEEN @lv_from AND @lv_to
    ORDER BY changed_at
    INTO TABLE @DATA(lt_orders).
  LOOP AT lt_orders INTO DATA(ls_order) WHERE object_type IN s_object.
    lv_guid = ls_order-guid.
    zcl_tandem_outbox=>activity( iv_object_type    = ls_order-object_type
                                 iv_action         = zcl_tandem_event=>gc_action-changed
                                 iv_guid           = lv_guid
                                 iv_process_type   = ls_order-process_type
                                 iv_in_update_task = abap_false ).
    lv_count = lv_count + 1.
  ENDLOOP.
  WRITE: / 'Activities changed in the range:', lv_count.
ENDFORM.

FORM scan_partners.
  DATA lv_count TYPE i.
  DATA lv_from TYPE timestamp.
  DATA lv_to TYPE timestamp.
  DATA lv_date_from TYPE d.
  DATA lv_date_to TYPE d.
  DATA lv_time TYPE t.

  IF zcl_tandem_event=>gc_object-business_partner NOT IN s_object.
    RETURN.
  ENDIF.
  PERFORM range_bounds CHANGING lv_from lv_to.
  CONVERT TIME STAMP lv_from TIME ZONE 'UTC' INTO DATE lv_date_from TIME lv_time.
  CONVERT TIME STAMP lv_to TIME ZONE 'UTC' INTO DATE lv_date_to TIME lv_time.
  " BUT000 keeps change and creation dates (days), so the scan covers whole days.
  SELECT partner FROM but000
    WHERE chdat BETWEEN @lv_date_from AND @lv_date_to
       OR crdat BETWEEN @lv_date_from AND @lv_date_to
    ORDER BY partner
    INTO TABLE @DATA(lt_partners).
  LOOP AT lt_partners INTO DATA(ls_partner).
    zcl_tandem_outbox=>business_partner( iv_action  = zcl_tandem_event=>gc_action-changed
                                         iv_partner = ls_partner-partner ).
    lv_count = lv_count + 1.
  ENDLOOP.
  WRITE: / 'Business partners changed in the range:', lv_count.
ENDFORM.

FORM range_bounds CHANGING cv_from TYPE timestamp cv_to TYPE timestamp.
  DATA ls_time LIKE LINE OF s_time.

  READ TABLE s_time INDEX 1 INTO ls_time.
  cv_from = ls_time-low.
  cv_to = ls_time-high.
  IF cv_to IS INITIAL.
    cv_to = cv_from.
  ENDIF.
ENDFORM.
