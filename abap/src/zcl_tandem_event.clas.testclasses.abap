"! Runs in SAP (SE80/ADT, ABAP Unit) and in Node through the abaplint transpiler (npm test), where
"! Tandem's test also checks the produced events against its ingestion schema.
CLASS ltcl_event DEFINITION FINAL FOR TESTING RISK LEVEL HARMLESS DURATION SHORT.

  PRIVATE SECTION.
    CONSTANTS lc_guid TYPE zcl_tandem_event=>ty_guid_hex VALUE 'D44EAAE1AB6F442CAEB464E2C35497CC'.
    CONSTANTS lc_time TYPE zcl_tandem_event=>ty_timestamp VALUE '20261122091403'.
    DATA mo_cut TYPE REF TO zcl_tandem_event.

    METHODS setup.
    METHODS appointment_changed FOR TESTING.
    METHODS task_without_process_type FOR TESTING.
    METHODS business_partner_deleted FOR TESTING.
    METHODS relationship_created FOR TESTING.
    METHODS heartbeat_counts FOR TESTING.
    METHODS unknown_action_has_no_type FOR TESTING.
    METHODS guid_is_canonical FOR TESTING.
    METHODS time_keeps_leading_zeros FOR TESTING.
    METHODS strings_are_escaped FOR TESTING.
ENDCLASS.


CLASS ltcl_event IMPLEMENTATION.

  METHOD setup.
    mo_cut = NEW #( iv_system = 'S4D'
                    iv_client = '100' ).
  ENDMETHOD.


  METHOD appointment_changed.
    cl_abap_unit_assert=>assert_equals(
      act = mo_cut->activity( iv_id           = '0F5D2A8E5B7C4C1E9A3F2D8C6B1E4F70'
                              iv_object_type  = zcl_tandem_event=>gc_object-appointment
                              iv_action       = zcl_tandem_event=>gc_action-changed
                              iv_guid         = lc_guid
                              iv_process_type = 'ZVIS'
                              iv_changed_at   = lc_time )
      exp = `{"specversion":"1.0","id":"0F5D2A8E5B7C4C1E9A3F2D8C6B1E4F70","source":"/default/sap.s4.beh/S4DCLNT100",`
         && `"type":"sap.s4.beh.appointment.v1.Appointment.Changed.v1","time":"2026-11-22T09:14:03Z",`
         && `"datacontenttype":"application/json","subject":"d44eaae1-ab6f-442c-aeb4-64e2c35497cc",`
         && `"data":{"ActivityUUID":"d44eaae1-ab6f-442c-aeb4-64e2c35497cc","ProcessType":"ZVIS"}}` ).
  ENDMETHOD.


  METHOD task_without_process_type.
    DATA lv_json TYPE string.

    lv_json = mo_cut->activity( iv_id           = 'E1'
                                iv_object_type  = zcl_tandem_event=>gc_object-task
                                iv_action       = zcl_tandem_event=>gc_action-created
                                iv_guid         = lc_guid
                                iv_process_type = ''
                                iv_changed_at   = lc_time ).
    cl_abap_unit_assert=>assert_char_cp( act = lv_json
                                         exp = '*"type":"sap.s4.beh.task.v1.Task.Created.v1"*' ).
    cl_abap_unit_assert=>assert_char_cp( act = lv_json
                                         exp = '*"data":{"ActivityUUID":"d44eaae1-ab6f-442c-aeb4-64e2c35497cc"}}' ).
  ENDMETHOD.


  METHOD business_partner_deleted.
    cl_abap_unit_assert=>assert_char_cp(
      act = mo_cut->business_partner( iv_id         = 'E2'
                                      iv_action     = zcl_tandem_event=>gc_action-deleted
                                      iv_partner    = '10200001'
                                      iv_changed_at = lc_time )
      exp = '*"type":"sap.s4.beh.businesspartner.v1.BusinessPartner.Deleted.v1"*"data":{"BusinessPartner":"10200001"}}' ).
  ENDMETHOD.


  METHOD relationship_created.
    cl_abap_unit_assert=>assert_char_cp(
      act = mo_cut->relationship( iv_id         = 'E3'
                                  iv_action     = zcl_tandem_event=>gc_action-created
                                  iv_partner1   = '10100001'
                                  iv_partner2   = 'EMP001'
                                  iv_category   = 'BUR011'
                                  iv_changed_at = lc_time )
      exp = '*"type":"sap.s4.beh.bprelationship.v1.BPRelationship.Created.v1"*'
         && '"data":{"BusinessPartner1":"10100001","BusinessPartner2":"EMP001","RelationshipCategory":"BUR011"}}' ).
  ENDMETHOD.


  METHOD heartbeat_counts.
    cl_abap_unit_assert=>assert_char_cp(
      act = mo_cut->heartbeat( iv_id      = 'E4'
                               iv_sent_at = lc_time
                               iv_pending = 3
                               iv_failed  = 0 )
      exp = '*"type":"sap.s4.tandem.heartbeat.v1"*"data":{"PendingEvents":3,"FailedEvents":0}}' ).
  ENDMETHOD.


  METHOD unknown_action_has_no_type.
    cl_abap_unit_assert=>assert_initial( zcl_tandem_event=>event_type( iv_object_type = zcl_tandem_event=>gc_object-task
                                                                      iv_action      = 'X' ) ).
    cl_abap_unit_assert=>assert_initial( zcl_tandem_event=>event_type( iv_object_type = 'BUS2000108'
                                                                      iv_action      = zcl_tandem_event=>gc_action-created ) ).
  ENDMETHOD.


  METHOD guid_is_canonical.
    cl_abap_unit_assert=>assert_equals( act = zcl_tandem_event=>format_guid( '0050568F1A2B1EDCA0B1C2D3E4F50607' )
                                        exp = `0050568f-1a2b-1edc-a0b1-c2d3e4f50607` ).
  ENDMETHOD.


  METHOD time_keeps_leading_zeros.
    cl_abap_unit_assert=>assert_equals( act = zcl_tandem_event=>format_timestamp( '20270105010203' )
                                        exp = `2027-01-05T01:02:03Z` ).
  ENDMETHOD.


  METHOD strings_are_escaped.
    cl_abap_unit_assert=>assert_equals( act = zcl_tandem_event=>json_string( |a "b" \\ c\n d| )
                                        exp = `"a \"b\" \\ c\n d"` ).
  ENDMETHOD.

ENDCLASS.
