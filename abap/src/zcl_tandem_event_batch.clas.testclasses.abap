CLASS ltcl_batch DEFINITION FINAL FOR TESTING RISK LEVEL HARMLESS DURATION SHORT.

  PRIVATE SECTION.
    CONSTANTS lc_now TYPE zcl_tandem_event_batch=>ty_timestamp VALUE '20261122100000'.

    METHODS entry
      IMPORTING
        iv_id           TYPE zcl_tandem_event_batch=>ty_event_id
        iv_object       TYPE string
        iv_created_at   TYPE zcl_tandem_event_batch=>ty_timestampl
        iv_next_attempt TYPE zcl_tandem_event_batch=>ty_timestamp DEFAULT 0
        iv_payload      TYPE string DEFAULT `{}`
      RETURNING
        VALUE(rs_entry) TYPE zcl_tandem_event_batch=>ty_entry.

    METHODS sendable_keeps_creation_order FOR TESTING.
    METHODS waiting_entry_holds_its_object FOR TESTING.
    METHODS split_by_count FOR TESTING.
    METHODS split_by_size FOR TESTING.
    METHODS oversized_entry_travels_alone FOR TESTING.
    METHODS classify_statuses FOR TESTING.
    METHODS retry_backs_off FOR TESTING.
ENDCLASS.


CLASS ltcl_batch IMPLEMENTATION.

  METHOD entry.
    rs_entry-event_id = iv_id.
    rs_entry-object_key = iv_object.
    rs_entry-created_at = iv_created_at.
    rs_entry-next_attempt_at = iv_next_attempt.
    rs_entry-payload = iv_payload.
  ENDMETHOD.


  METHOD sendable_keeps_creation_order.
    DATA lt_entries TYPE zcl_tandem_event_batch=>ty_entries.
    DATA lt_result TYPE zcl_tandem_event_batch=>ty_entries.
    DATA lo_cut TYPE REF TO zcl_tandem_event_batch.
    DATA ls_entry TYPE zcl_tandem_event_batch=>ty_entry.

    APPEND entry( iv_id = 'B' iv_object = `A1` iv_created_at = '20261122090000.0000002' ) TO lt_entries.
    APPEND entry( iv_id = 'A' iv_object = `A1` iv_created_at = '20261122090000.0000001' ) TO lt_entries.
    APPEND entry( iv_id = 'C' iv_object = `A2` iv_created_at = '20261122085959.0000000' ) TO lt_entries.
    lo_cut = NEW #( ).
    lt_result = lo_cut->sendable( it_entries = lt_entries
                                  iv_now     = lc_now ).
    cl_abap_unit_assert=>assert_equals( act = lines( lt_result )
                                        exp = 3 ).
    READ TABLE lt_result INDEX 1 INTO ls_entry.
    cl_abap_unit_assert=>assert_equals( act = ls_entry-event_id
                                        exp = 'C' ).
    READ TABLE lt_result INDEX 2 INTO ls_entry.
    cl_abap_unit_assert=>assert_equals( act = ls_entry-event_id
                                        exp = 'A' ).
  ENDMETHOD.


  METHOD waiting_entry_holds_its_object.
    DATA lt_entries TYPE zcl_tandem_event_batch=>ty_entries.
    DATA lt_result TYPE zcl_tandem_event_batch=>ty_entries.
    DATA lo_cut TYPE REF TO zcl_tandem_event_batch.
    DATA ls_entry TYPE zcl_tandem_event_batch=>ty_entry.

    " A1's first event failed and waits until 10:05; its second event must not overtake it.
    APPEND entry( iv_id = 'A' iv_object = `A1` iv_created_at = '20261122090000.0000001' iv_next_attempt = '20261122100500' ) TO lt_entries.
    APPEND entry( iv_id = 'B' iv_object = `A1` iv_created_at = '20261122090000.0000002' ) TO lt_entries.
    APPEND entry( iv_id = 'C' iv_object = `A2` iv_created_at = '20261122090000.0000003' ) TO lt_entries.
    lo_cut = NEW #( ).
    lt_result = lo_cut->sendable( it_entries = lt_entries
                                  iv_now     = lc_now ).
    cl_abap_unit_assert=>assert_equals( act = lines( lt_result )
                                        exp = 1 ).
    READ TABLE lt_result INDEX 1 INTO ls_entry.
    cl_abap_unit_assert=>assert_equals( act = ls_entry-event_id
                                        exp = 'C' ).
  ENDMETHOD.


  METHOD split_by_count.
    DATA lt_entries TYPE zcl_tandem_event_batch=>ty_entries.
    DATA lt_batches TYPE zcl_tandem_event_batch=>ty_batches.
    DATA lo_cut TYPE REF TO zcl_tandem_event_batch.
    DATA ls_batch TYPE zcl_tandem_event_batch=>ty_batch.

    APPEND entry( iv_id = 'A' iv_object = `A1` iv_created_at = 1 iv_payload = `{"n":1}` ) TO lt_entries.
    APPEND entry( iv_id = 'B' iv_object = `A1` iv_created_at = 2 iv_payload = `{"n":2}` ) TO lt_entries.
    APPEND entry( iv_id = 'C' iv_object = `A2` iv_created_at = 3 iv_payload = `{"n":3}` ) TO lt_entries.
    lo_cut = NEW #( iv_max_events = 2 ).
    lt_batches = lo_cut->split( lt_entries ).
    cl_abap_unit_assert=>assert_equals( act = lines( lt_batches )
                                        exp = 2 ).
    READ TABLE lt_batches INDEX 1 INTO ls_batch.
    cl_abap_unit_assert=>assert_equals( act = ls_batch-body
                                        exp = `[{"n":1},{"n":2}]` ).
    cl_abap_unit_assert=>assert_equals( act = lines( ls_batch-event_ids )
                                        exp = 2 ).
    READ TABLE lt_batches INDEX 2 INTO ls_batch.
    cl_abap_unit_assert=>assert_equals( act = ls_batch-body
                                        exp = `[{"n":3}]` ).
  ENDMETHOD.


  METHOD split_by_size.
    DATA lt_entries TYPE zcl_tandem_event_batch=>ty_entries.
    DATA lt_batches TYPE zcl_tandem_event_batch=>ty_batches.
    DATA lo_cut TYPE REF TO zcl_tandem_event_batch.

    " Each body "[{"n":1},{"n":2}]" needs 17 characters; 16 allow only one event per body.
    APPEND entry( iv_id = 'A' iv_object = `A1` iv_created_at = 1 iv_payload = `{"n":1}` ) TO lt_entries.
    APPEND entry( iv_id = 'B' iv_object = `A2` iv_created_at = 2 iv_payload = `{"n":2}` ) TO lt_entries.
    lo_cut = NEW #( iv_max_chars = 16 ).
    lt_batches = lo_cut->split( lt_entries ).
    cl_abap_unit_assert=>assert_equals( act = lines( lt_batches )
                                        exp = 2 ).
    lo_cut = NEW #( iv_max_chars = 17 ).
    lt_batches = lo_cut->split( lt_entries ).
    cl_abap_unit_assert=>assert_equals( act = lines( lt_batches )
                                        exp = 1 ).
  ENDMETHOD.


  METHOD oversized_entry_travels_alone.
    DATA lt_entries TYPE zcl_tandem_event_batch=>ty_entries.
    DATA lt_batches TYPE zcl_tandem_event_batch=>ty_batches.
    DATA lo_cut TYPE REF TO zcl_tandem_event_batch.
    DATA ls_batch TYPE zcl_tandem_event_batch=>ty_batch.

    APPEND entry( iv_id = 'A' iv_object = `A1` iv_created_at = 1 iv_payload = `{"text":"far too long for the limit"}` ) TO lt_entries.
    lo_cut = NEW #( iv_max_chars = 10 ).
    lt_batches = lo_cut->split( lt_entries ).
    cl_abap_unit_assert=>assert_equals( act = lines( lt_batches )
                                        exp = 1 ).
    READ TABLE lt_batches INDEX 1 INTO ls_batch.
    cl_abap_unit_assert=>assert_equals( act = ls_batch-body
                                        exp = `[{"text":"far too long for the limit"}]` ).
    cl_abap_unit_assert=>assert_initial( lo_cut->split( VALUE #( ) ) ).
  ENDMETHOD.


  METHOD classify_statuses.
    cl_abap_unit_assert=>assert_equals( act = zcl_tandem_event_batch=>classify( 202 )
                                        exp = zcl_tandem_event_batch=>gc_outcome-delivered ).
    cl_abap_unit_assert=>assert_equals( act = zcl_tandem_event_batch=>classify( 400 )
                                        exp = zcl_tandem_event_batch=>gc_outcome-rejected ).
    cl_abap_unit_assert=>assert_equals( act = zcl_tandem_event_batch=>classify( 401 )
                                        exp = zcl_tandem_event_batch=>gc_outcome-retry ).
    cl_abap_unit_assert=>assert_equals( act = zcl_tandem_event_batch=>classify( 429 )
                                        exp = zcl_tandem_event_batch=>gc_outcome-retry ).
    cl_abap_unit_assert=>assert_equals( act = zcl_tandem_event_batch=>classify( 503 )
                                        exp = zcl_tandem_event_batch=>gc_outcome-retry ).
    cl_abap_unit_assert=>assert_equals( act = zcl_tandem_event_batch=>classify( 0 )
                                        exp = zcl_tandem_event_batch=>gc_outcome-retry ).
  ENDMETHOD.


  METHOD retry_backs_off.
    cl_abap_unit_assert=>assert_equals( act = zcl_tandem_event_batch=>retry_delay( 1 )
                                        exp = 30 ).
    cl_abap_unit_assert=>assert_equals( act = zcl_tandem_event_batch=>retry_delay( 3 )
                                        exp = 120 ).
    cl_abap_unit_assert=>assert_equals( act = zcl_tandem_event_batch=>retry_delay( 20 )
                                        exp = 3600 ).
    cl_abap_unit_assert=>assert_equals( act = zcl_tandem_event_batch=>retry_delay( iv_attempts    = 1
                                                                                  iv_retry_after = 90 )
                                        exp = 90 ).
  ENDMETHOD.

ENDCLASS.
