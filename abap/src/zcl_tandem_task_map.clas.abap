"! <p class="shorttext synchronized">Tandem: task service model and one-order mapping</p>
"! The rules of ZTANDEM_TASK_SRV kept free of SAP-only types, database and function modules, so that
"! they are unit-tested outside SAP too (npm test runs them through the abaplint transpiler):
"! <ul><li>the OData model (entity sets, properties, keys, navigations) the MPC_EXT registers;</li>
"! <li>the task entity, its partners and texts read from a one-order image (CRM_ORDER_READ);</li>
"! <li>what CRM_ORDER_MAINTAIN gets for a create or a change: header, activity header, date,
"! user status, partners and text lines, and the input fields naming what changed.</li></ul>
"! The one-order image mirrors SAP's structures field by field (CRMT_ORDERADM_H_WRK, CRMT_ACTIVITY_H_WRK,
"! CRMT_APPOINTMENT_WRK, CRMT_STATUS_WRK, CRMT_PARTNER_EXTERNAL_WRK, CRMT_TEXT_WRK with TLINE), so the
"! gateway ZCL_TANDEM_TASK_CRM_GATEWAY moves between them with MOVE-CORRESPONDING.
CLASS zcl_tandem_task_map DEFINITION PUBLIC FINAL CREATE PUBLIC.

  PUBLIC SECTION.
    "! Activity GUID (CRMT_OBJECT_GUID, RAW 16)
    TYPES ty_guid TYPE x LENGTH 16.
    "! UTC time stamp YYYYMMDDhhmmss (TIMESTAMP); 0 = no value (OData null)
    TYPES ty_timestamp TYPE p LENGTH 8 DECIMALS 0.
    TYPES ty_names TYPE STANDARD TABLE OF string WITH DEFAULT KEY.

    "! Entity type TaskActivity: one field per OData property (ABAP field names of the MPC binding)
    TYPES:
      BEGIN OF ty_task,
        activity_uuid               TYPE ty_guid,
        activity                    TYPE c LENGTH 10,
        activity_process_type       TYPE c LENGTH 4,
        activity_description        TYPE c LENGTH 40,
        task_start_date_time        TYPE ty_timestamp,
        task_due_date_time          TYPE ty_timestamp,
        task_completion_percent     TYPE i,
        activity_time_zone          TYPE c LENGTH 6,
        activity_status             TYPE c LENGTH 5,
        activity_priority           TYPE c LENGTH 1,
        activity_is_private         TYPE abap_bool,
        activity_external_reference TYPE c LENGTH 255,
        created_by_user             TYPE c LENGTH 12,
        creation_date_time          TYPE ty_timestamp,
        last_changed_by_user        TYPE c LENGTH 12,
        last_change_date_time       TYPE ty_timestamp,
      END OF ty_task,
      "! Entity type TaskActivityPartner
      BEGIN OF ty_partner,
        activity_uuid    TYPE ty_guid,
        partner_function TYPE c LENGTH 8,
        business_partner TYPE c LENGTH 10,
        is_main_partner  TYPE abap_bool,
      END OF ty_partner,
      ty_partners TYPE STANDARD TABLE OF ty_partner WITH DEFAULT KEY,
      "! Entity type TaskActivityText; language as ISO code (OData), e.g. EN
      BEGIN OF ty_text,
        activity_uuid TYPE ty_guid,
        long_text_id  TYPE c LENGTH 4,
        language      TYPE c LENGTH 2,
        long_text     TYPE string,
      END OF ty_text,
      ty_texts TYPE STANDARD TABLE OF ty_text WITH DEFAULT KEY.

    "! One-order image of a task (what CRM_ORDER_READ returns, reduced to what the service uses)
    TYPES:
      BEGIN OF ty_orderadm_h,
        guid         TYPE ty_guid,
        object_id    TYPE c LENGTH 10,
        process_type TYPE c LENGTH 4,
        description  TYPE c LENGTH 40,
        created_by   TYPE c LENGTH 12,
        created_at   TYPE ty_timestamp,
        changed_by   TYPE c LENGTH 12,
        changed_at   TYPE ty_timestamp,
      END OF ty_orderadm_h,
      BEGIN OF ty_activity_h,
        priority     TYPE c LENGTH 1,
        completion   TYPE i,
        private_flag TYPE abap_bool,
      END OF ty_activity_h,
      BEGIN OF ty_appointment,
        appt_type      TYPE c LENGTH 12,
        timestamp_from TYPE ty_timestamp,
        timezone_from  TYPE c LENGTH 6,
        timestamp_to   TYPE ty_timestamp,
        timezone_to    TYPE c LENGTH 6,
      END OF ty_appointment,
      ty_appointments TYPE STANDARD TABLE OF ty_appointment WITH DEFAULT KEY,
      BEGIN OF ty_status,
        status         TYPE c LENGTH 5,
        user_stat_proc TYPE c LENGTH 8,
        activate       TYPE abap_bool,
      END OF ty_status,
      ty_statuses TYPE STANDARD TABLE OF ty_status WITH DEFAULT KEY,
      BEGIN OF ty_order_partner,
        "! New partner: its handle in the request, the logical key of its input fields
        ref_partner_handle TYPE n LENGTH 4,
        "! Existing partner to remove: the REF_ fields name it
        ref_partner_fct    TYPE c LENGTH 8,
        ref_partner_no     TYPE c LENGTH 32,
        ref_no_type        TYPE c LENGTH 2,
        ref_display_type   TYPE c LENGTH 2,
        partner_fct   TYPE c LENGTH 8,
        partner_no    TYPE c LENGTH 32,
        no_type       TYPE c LENGTH 2,
        display_type  TYPE c LENGTH 2,
        kind_of_entry TYPE c LENGTH 1,
        mainpartner   TYPE abap_bool,
      END OF ty_order_partner,
      ty_order_partners TYPE STANDARD TABLE OF ty_order_partner WITH DEFAULT KEY,
      "! SAPscript line (TLINE): format '*' new paragraph, '=' continues the line, ' ' continues with a blank
      BEGIN OF ty_line,
        tdformat TYPE c LENGTH 2,
        tdline   TYPE c LENGTH 132,
      END OF ty_line,
      ty_lines TYPE STANDARD TABLE OF ty_line WITH DEFAULT KEY,
      "! Text of the order; tdspras_iso is the ISO language (the gateway converts it to SPRAS)
      BEGIN OF ty_order_text,
        tdid        TYPE c LENGTH 4,
        tdspras_iso TYPE c LENGTH 2,
        lines       TYPE ty_lines,
      END OF ty_order_text,
      ty_order_texts TYPE STANDARD TABLE OF ty_order_text WITH DEFAULT KEY,
      BEGIN OF ty_order,
        orderadm_h         TYPE ty_orderadm_h,
        activity_h         TYPE ty_activity_h,
        appointments       TYPE ty_appointments,
        statuses           TYPE ty_statuses,
        partners           TYPE ty_order_partners,
        texts              TYPE ty_order_texts,
        "! Tandem's idempotency marker, kept in table ZTANDEM_TASKREF (no one-order field holds 255 characters)
        external_reference TYPE c LENGTH 255,
      END OF ty_order.

    "! CT_INPUT_FIELDS of CRM_ORDER_MAINTAIN (CRMT_INPUT_FIELD without the reference to the order)
    TYPES:
      BEGIN OF ty_input_field,
        objectname  TYPE c LENGTH 30,
        logical_key TYPE string,
        field_names TYPE ty_names,
      END OF ty_input_field,
      ty_input_fields TYPE STANDARD TABLE OF ty_input_field WITH DEFAULT KEY,
      "! Everything CRM_ORDER_MAINTAIN needs for one task; empty tables are not passed
      BEGIN OF ty_maintain,
        orderadm_h   TYPE ty_orderadm_h,
        activity_h   TYPE ty_activity_h,
        appointments TYPE ty_appointments,
        statuses     TYPE ty_statuses,
        partners     TYPE ty_order_partners,
        texts        TYPE ty_order_texts,
        input_fields TYPE ty_input_fields,
      END OF ty_maintain.

    "! The OData model of ZTANDEM_TASK_SRV (what the MPC_EXT registers, and what npm test compares
    "! with Tandem's S/4 emulator and connector)
    TYPES:
      BEGIN OF ty_property,
        entity_set TYPE string,
        name       TYPE string,
        abap_field TYPE string,
        edm_type   TYPE string,
        max_length TYPE i,
        is_key     TYPE abap_bool,
        nullable   TYPE abap_bool,
        creatable  TYPE abap_bool,
        updatable  TYPE abap_bool,
        filterable TYPE abap_bool,
        etag       TYPE abap_bool,
      END OF ty_property,
      ty_properties TYPE STANDARD TABLE OF ty_property WITH DEFAULT KEY,
      BEGIN OF ty_navigation,
        entity_set  TYPE string,
        name        TYPE string,
        target      TYPE string,
        association TYPE string,
        "! Property of both ends that joins them (ActivityUUID)
        join        TYPE string,
      END OF ty_navigation,
      ty_navigations TYPE STANDARD TABLE OF ty_navigation WITH DEFAULT KEY.

    CONSTANTS:
      BEGIN OF gc_entity_set,
        task    TYPE string VALUE `TaskActivity`,
        partner TYPE string VALUE `TaskActivityPartner`,
        text    TYPE string VALUE `TaskActivityText`,
      END OF gc_entity_set.

    "! Date type of the task's planned start (TIMESTAMP_FROM) and due date (TIMESTAMP_TO); it must be in the
    "! date profile of the task's process type (docs/s4-setup.md, section 7)
    CONSTANTS gc_date_type TYPE c LENGTH 12 VALUE 'ORDERPLANNED'.
    "! Partner number type and display type of business partners in one-order partner data
    CONSTANTS gc_bp_no_type TYPE c LENGTH 2 VALUE 'BP'.

    CLASS-METHODS model
      RETURNING
        VALUE(rt_properties) TYPE ty_properties.

    CLASS-METHODS navigations
      RETURNING
        VALUE(rt_navigations) TYPE ty_navigations.

    "! The OData property names an entity set has, in model order
    CLASS-METHODS property_names
      IMPORTING
        iv_entity_set   TYPE string
      RETURNING
        VALUE(rt_names) TYPE ty_names.

    "! The task as OData shows it, from its one-order image
    CLASS-METHODS to_task
      IMPORTING
        is_order       TYPE ty_order
      RETURNING
        VALUE(rs_task) TYPE ty_task.

    CLASS-METHODS to_partners
      IMPORTING
        is_order           TYPE ty_order
      RETURNING
        VALUE(rt_partners) TYPE ty_partners.

    CLASS-METHODS to_texts
      IMPORTING
        is_order        TYPE ty_order
      RETURNING
        VALUE(rt_texts) TYPE ty_texts.

    "! Header data for CRM_ORDER_MAINTAIN. is_task is the whole task after the request (a MERGE is applied
    "! to the current task first); it_changed names the OData properties the request carries.
    "! @parameter iv_status_profile | user status profile of the process type (TJ30, e.g. CRMACTIV)
    "! @parameter iv_create | a new task: process type and every given property are set
    CLASS-METHODS to_maintain
      IMPORTING
        is_task            TYPE ty_task
        it_changed         TYPE ty_names
        iv_status_profile  TYPE csequence
        iv_create          TYPE abap_bool DEFAULT abap_false
      RETURNING
        VALUE(rs_maintain) TYPE ty_maintain.

    "! Adds a partner (iv_delete = false) or removes it (true) in rs_maintain
    CLASS-METHODS add_partner
      IMPORTING
        is_partner  TYPE ty_partner
        iv_delete   TYPE abap_bool DEFAULT abap_false
      CHANGING
        cs_maintain TYPE ty_maintain.

    "! Sets a text (replaces its lines); an empty text deletes it
    CLASS-METHODS add_text
      IMPORTING
        is_text     TYPE ty_text
      CHANGING
        cs_maintain TYPE ty_maintain.

    "! Why the task cannot be written as it is (empty when it can): one message per property
    CLASS-METHODS check
      IMPORTING
        is_task            TYPE ty_task
        iv_create          TYPE abap_bool DEFAULT abap_false
      RETURNING
        VALUE(rt_messages) TYPE ty_names.

    "! Text as SAPscript lines of 132 characters: one paragraph per line of the text
    CLASS-METHODS to_lines
      IMPORTING
        iv_text         TYPE string
      RETURNING
        VALUE(rt_lines) TYPE ty_lines.

    CLASS-METHODS from_lines
      IMPORTING
        it_lines       TYPE ty_lines
      RETURNING
        VALUE(rv_text) TYPE string.

    "! Business partner number as stored (CONVERSION_EXIT_ALPHA_INPUT: digits are padded with zeros to 10)
    CLASS-METHODS alpha_in
      IMPORTING
        iv_partner        TYPE csequence
      RETURNING
        VALUE(rv_partner) TYPE string.

    "! Business partner number as shown (CONVERSION_EXIT_ALPHA_OUTPUT: leading zeros of digits dropped)
    CLASS-METHODS alpha_out
      IMPORTING
        iv_partner        TYPE csequence
      RETURNING
        VALUE(rv_partner) TYPE string.

    "! Logical key of an existing order partner in CT_INPUT_FIELDS, built from its REF_ fields (layout of
    "! CRMT_PARTNER_LOGIC_PARTNER_KEY: handle NUMC 4, partner function CHAR 8, partner number CHAR 32,
    "! number type CHAR 2, display type CHAR 2)
    CLASS-METHODS partner_key
      IMPORTING
        is_partner    TYPE ty_order_partner
      RETURNING
        VALUE(rv_key) TYPE string.

  PRIVATE SECTION.
    CLASS-METHODS add_property
      IMPORTING
        iv_set        TYPE string
        iv_name       TYPE string
        iv_field      TYPE string
        iv_type       TYPE string
        iv_length     TYPE i DEFAULT 0
        iv_flags      TYPE string DEFAULT ``
      CHANGING
        ct_properties TYPE ty_properties.

    CLASS-METHODS changed
      IMPORTING
        it_changed     TYPE ty_names
        iv_create      TYPE abap_bool
        iv_property    TYPE string
      RETURNING
        VALUE(rv_true) TYPE abap_bool.

    CLASS-METHODS add_input
      IMPORTING
        iv_object   TYPE csequence
        iv_key      TYPE csequence DEFAULT ''
        iv_field    TYPE csequence
      CHANGING
        cs_maintain TYPE ty_maintain.

    CLASS-METHODS maintain_dates
      IMPORTING
        is_task     TYPE ty_task
      CHANGING
        cs_maintain TYPE ty_maintain.

    CLASS-METHODS is_digits
      IMPORTING
        iv_value       TYPE csequence
      RETURNING
        VALUE(rv_true) TYPE abap_bool.
ENDCLASS.



CLASS zcl_tandem_task_map IMPLEMENTATION.

  METHOD model.
    " Flags: K key, N nullable, C computed (neither creatable nor updatable), O create-only,
    " F filterable, E ETag (concurrency token). Keys are never updatable.
    DATA lv_set TYPE string.

    lv_set = gc_entity_set-task.
    add_property( EXPORTING iv_set = lv_set iv_name = `ActivityUUID` iv_field = `ACTIVITY_UUID` iv_type = `Edm.Guid`
                            iv_flags = `KCF` CHANGING ct_properties = rt_properties ).
    add_property( EXPORTING iv_set = lv_set iv_name = `Activity` iv_field = `ACTIVITY` iv_type = `Edm.String`
                            iv_length = 10 iv_flags = `C` CHANGING ct_properties = rt_properties ).
    add_property( EXPORTING iv_set = lv_set iv_name = `ActivityProcessType` iv_field = `ACTIVITY_PROCESS_TYPE`
                            iv_type = `Edm.String` iv_length = 4 iv_flags = `O` CHANGING ct_properties = rt_properties ).
    add_property( EXPORTING iv_set = lv_set iv_name = `ActivityDescription` iv_field = `ACTIVITY_DESCRIPTION`
                            iv_type = `Edm.String` iv_length = 40 CHANGING ct_properties = rt_properties ).
    add_property( EXPORTING iv_set = lv_set iv_name = `TaskStartDateTime` iv_field = `TASK_START_DATE_TIME`
                            iv_type = `Edm.DateTimeOffset` iv_flags = `NF` CHANGING ct_properties = rt_properties ).
    add_property( EXPORTING iv_set = lv_set iv_name = `TaskDueDateTime` iv_field = `TASK_DUE_DATE_TIME`
                            iv_type = `Edm.DateTimeOffset` iv_flags = `NF` CHANGING ct_properties = rt_properties ).
    add_property( EXPORTING iv_set = lv_set iv_name = `TaskCompletionPercent` iv_field = `TASK_COMPLETION_PERCENT`
                            iv_type = `Edm.Byte` CHANGING ct_properties = rt_properties ).
    add_property( EXPORTING iv_set = lv_set iv_name = `ActivityTimeZone` iv_field = `ACTIVITY_TIME_ZONE`
                            iv_type = `Edm.String` iv_length = 6 CHANGING ct_properties = rt_properties ).
    add_property( EXPORTING iv_set = lv_set iv_name = `ActivityStatus` iv_field = `ACTIVITY_STATUS`
                            iv_type = `Edm.String` iv_length = 5 CHANGING ct_properties = rt_properties ).
    add_property( EXPORTING iv_set = lv_set iv_name = `ActivityPriority` iv_field = `ACTIVITY_PRIORITY`
                            iv_type = `Edm.String` iv_length = 1 CHANGING ct_properties = rt_properties ).
    add_property( EXPORTING iv_set = lv_set iv_name = `ActivityIsPrivate` iv_field = `ACTIVITY_IS_PRIVATE`
                            iv_type = `Edm.Boolean` CHANGING ct_properties = rt_properties ).
    add_property( EXPORTING iv_set = lv_set iv_name = `ActivityExternalReference` iv_field = `ACTIVITY_EXTERNAL_REFERENCE`
                            iv_type = `Edm.String` iv_length = 255 iv_flags = `F` CHANGING ct_properties = rt_properties ).
    add_property( EXPORTING iv_set = lv_set iv_name = `CreatedByUser` iv_field = `CREATED_BY_USER`
                            iv_type = `Edm.String` iv_length = 12 iv_flags = `C` CHANGING ct_properties = rt_properties ).
    add_property( EXPORTING iv_set = lv_set iv_name = `CreationDateTime` iv_field = `CREATION_DATE_TIME`
                            iv_type = `Edm.DateTimeOffset` iv_flags = `CN` CHANGING ct_properties = rt_properties ).
    add_property( EXPORTING iv_set = lv_set iv_name = `LastChangedByUser` iv_field = `LAST_CHANGED_BY_USER`
                            iv_type = `Edm.String` iv_length = 12 iv_flags = `C` CHANGING ct_properties = rt_properties ).
    add_property( EXPORTING iv_set = lv_set iv_name = `LastChangeDateTime` iv_field = `LAST_CHANGE_DATE_TIME`
                            iv_type = `Edm.DateTimeOffset` iv_flags = `CNFE` CHANGING ct_properties = rt_properties ).

    lv_set = gc_entity_set-partner.
    add_property( EXPORTING iv_set = lv_set iv_name = `ActivityUUID` iv_field = `ACTIVITY_UUID` iv_type = `Edm.Guid`
                            iv_flags = `KF` CHANGING ct_properties = rt_properties ).
    add_property( EXPORTING iv_set = lv_set iv_name = `PartnerFunction` iv_field = `PARTNER_FUNCTION`
                            iv_type = `Edm.String` iv_length = 8 iv_flags = `KF` CHANGING ct_properties = rt_properties ).
    add_property( EXPORTING iv_set = lv_set iv_name = `BusinessPartner` iv_field = `BUSINESS_PARTNER`
                            iv_type = `Edm.String` iv_length = 10 iv_flags = `KF` CHANGING ct_properties = rt_properties ).
    add_property( EXPORTING iv_set = lv_set iv_name = `IsMainPartner` iv_field = `IS_MAIN_PARTNER`
                            iv_type = `Edm.Boolean` CHANGING ct_properties = rt_properties ).

    lv_set = gc_entity_set-text.
    add_property( EXPORTING iv_set = lv_set iv_name = `ActivityUUID` iv_field = `ACTIVITY_UUID` iv_type = `Edm.Guid`
                            iv_flags = `KF` CHANGING ct_properties = rt_properties ).
    add_property( EXPORTING iv_set = lv_set iv_name = `LongTextID` iv_field = `LONG_TEXT_ID`
                            iv_type = `Edm.String` iv_length = 4 iv_flags = `K` CHANGING ct_properties = rt_properties ).
    add_property( EXPORTING iv_set = lv_set iv_name = `Language` iv_field = `LANGUAGE`
                            iv_type = `Edm.String` iv_length = 2 iv_flags = `K` CHANGING ct_properties = rt_properties ).
    add_property( EXPORTING iv_set = lv_set iv_name = `LongText` iv_field = `LONG_TEXT`
                            iv_type = `Edm.String` CHANGING ct_properties = rt_properties ).
  ENDMETHOD.


  METHOD add_property.
    DATA ls_property TYPE ty_property.

    ls_property-entity_set = iv_set.
    ls_property-name = iv_name.
    ls_property-abap_field = iv_field.
    ls_property-edm_type = iv_type.
    ls_property-max_length = iv_length.
    ls_property-is_key = boolc( iv_flags CA 'K' ).
    ls_property-nullable = boolc( iv_flags CA 'N' ).
    ls_property-creatable = boolc( iv_flags NA 'C' ).
    ls_property-updatable = boolc( iv_flags NA 'CKO' ).
    ls_property-filterable = boolc( iv_flags CA 'F' ).
    ls_property-etag = boolc( iv_flags CA 'E' ).
    APPEND ls_property TO ct_properties.
  ENDMETHOD.


  METHOD navigations.
    DATA ls_navigation TYPE ty_navigation.

    ls_navigation-entity_set = gc_entity_set-task.
    ls_navigation-join = `ActivityUUID`.
    ls_navigation-name = `to_Partner`.
    ls_navigation-target = gc_entity_set-partner.
    ls_navigation-association = `assoc_TaskActivity_to_Partner`.
    APPEND ls_navigation TO rt_navigations.
    ls_navigation-name = `to_Text`.
    ls_navigation-target = gc_entity_set-text.
    ls_navigation-association = `assoc_TaskActivity_to_Text`.
    APPEND ls_navigation TO rt_navigations.
  ENDMETHOD.


  METHOD property_names.
    DATA lt_properties TYPE ty_properties.
    FIELD-SYMBOLS <ls_property> TYPE ty_property.

    lt_properties = model( ).
    LOOP AT lt_properties ASSIGNING <ls_property> WHERE entity_set = iv_entity_set.
      APPEND <ls_property>-name TO rt_names.
    ENDLOOP.
  ENDMETHOD.


  METHOD to_task.
    DATA ls_appointment TYPE ty_appointment.
    FIELD-SYMBOLS <ls_status> TYPE ty_status.

    rs_task-activity_uuid = is_order-orderadm_h-guid.
    rs_task-activity = is_order-orderadm_h-object_id.
    rs_task-activity_process_type = is_order-orderadm_h-process_type.
    rs_task-activity_description = is_order-orderadm_h-description.
    rs_task-created_by_user = is_order-orderadm_h-created_by.
    rs_task-creation_date_time = is_order-orderadm_h-created_at.
    rs_task-last_changed_by_user = is_order-orderadm_h-changed_by.
    rs_task-last_change_date_time = is_order-orderadm_h-changed_at.
    rs_task-activity_priority = is_order-activity_h-priority.
    rs_task-task_completion_percent = is_order-activity_h-completion.
    rs_task-activity_is_private = is_order-activity_h-private_flag.
    rs_task-activity_external_reference = is_order-external_reference.

    READ TABLE is_order-appointments INTO ls_appointment WITH KEY appt_type = gc_date_type.
    IF sy-subrc = 0.
      rs_task-task_due_date_time = ls_appointment-timestamp_to.
      rs_task-activity_time_zone = ls_appointment-timezone_to.
      " A task written without a start gets start = due (the date type needs both ends): no start again.
      IF ls_appointment-timestamp_from <> ls_appointment-timestamp_to.
        rs_task-task_start_date_time = ls_appointment-timestamp_from.
      ENDIF.
    ENDIF.

    " The user status (E...) of the status profile; system statuses (I...) are not the task's status.
    LOOP AT is_order-statuses ASSIGNING <ls_status> WHERE user_stat_proc IS NOT INITIAL.
      IF <ls_status>-status(1) = 'E'.
        rs_task-activity_status = <ls_status>-status.
        EXIT.
      ENDIF.
    ENDLOOP.
  ENDMETHOD.


  METHOD to_partners.
    DATA ls_partner TYPE ty_partner.
    FIELD-SYMBOLS <ls_order_partner> TYPE ty_order_partner.

    ls_partner-activity_uuid = is_order-orderadm_h-guid.
    " Only business partners: organisational units and users have no BusinessPartner for Tandem.
    LOOP AT is_order-partners ASSIGNING <ls_order_partner> WHERE no_type = gc_bp_no_type OR no_type IS INITIAL.
      ls_partner-partner_function = <ls_order_partner>-partner_fct.
      ls_partner-business_partner = alpha_out( <ls_order_partner>-partner_no ).
      ls_partner-is_main_partner = <ls_order_partner>-mainpartner.
      APPEND ls_partner TO rt_partners.
    ENDLOOP.
  ENDMETHOD.


  METHOD to_texts.
    DATA ls_text TYPE ty_text.
    FIELD-SYMBOLS <ls_order_text> TYPE ty_order_text.

    ls_text-activity_uuid = is_order-orderadm_h-guid.
    LOOP AT is_order-texts ASSIGNING <ls_order_text>.
      ls_text-long_text_id = <ls_order_text>-tdid.
      ls_text-language = <ls_order_text>-tdspras_iso.
      ls_text-long_text = from_lines( <ls_order_text>-lines ).
      APPEND ls_text TO rt_texts.
    ENDLOOP.
  ENDMETHOD.


  METHOD to_maintain.
    DATA ls_status TYPE ty_status.

    IF iv_create = abap_true.
      rs_maintain-orderadm_h-process_type = is_task-activity_process_type.
      add_input( EXPORTING iv_object = 'ORDERADM_H' iv_field = 'PROCESS_TYPE' CHANGING cs_maintain = rs_maintain ).
    ENDIF.
    IF changed( it_changed = it_changed iv_create = iv_create iv_property = `ActivityDescription` ) = abap_true.
      rs_maintain-orderadm_h-description = is_task-activity_description.
      add_input( EXPORTING iv_object = 'ORDERADM_H' iv_field = 'DESCRIPTION' CHANGING cs_maintain = rs_maintain ).
    ENDIF.
    IF changed( it_changed = it_changed iv_create = iv_create iv_property = `ActivityPriority` ) = abap_true.
      rs_maintain-activity_h-priority = is_task-activity_priority.
      add_input( EXPORTING iv_object = 'ACTIVITY_H' iv_field = 'PRIORITY' CHANGING cs_maintain = rs_maintain ).
    ENDIF.
    IF changed( it_changed = it_changed iv_create = iv_create iv_property = `TaskCompletionPercent` ) = abap_true.
      rs_maintain-activity_h-completion = is_task-task_completion_percent.
      add_input( EXPORTING iv_object = 'ACTIVITY_H' iv_field = 'COMPLETION' CHANGING cs_maintain = rs_maintain ).
    ENDIF.
    IF changed( it_changed = it_changed iv_create = iv_create iv_property = `ActivityIsPrivate` ) = abap_true.
      rs_maintain-activity_h-private_flag = is_task-activity_is_private.
      add_input( EXPORTING iv_object = 'ACTIVITY_H' iv_field = 'PRIVATE_FLAG' CHANGING cs_maintain = rs_maintain ).
    ENDIF.
    IF changed( it_changed = it_changed iv_create = iv_create iv_property = `TaskStartDateTime` ) = abap_true
        OR changed( it_changed = it_changed iv_create = iv_create iv_property = `TaskDueDateTime` ) = abap_true
        OR changed( it_changed = it_changed iv_create = iv_create iv_property = `ActivityTimeZone` ) = abap_true.
      maintain_dates( EXPORTING is_task = is_task CHANGING cs_maintain = rs_maintain ).
    ENDIF.
    IF changed( it_changed = it_changed iv_create = iv_create iv_property = `ActivityStatus` ) = abap_true
        AND is_task-activity_status IS NOT INITIAL.
      ls_status-status = is_task-activity_status.
      ls_status-user_stat_proc = iv_status_profile.
      ls_status-activate = abap_true.
      APPEND ls_status TO rs_maintain-statuses.
      " The logical key of a status is the status followed by its profile (CRMT_STATUS_COM).
      add_input( EXPORTING iv_object = 'STATUS' iv_key = |{ ls_status-status }{ ls_status-user_stat_proc }|
                           iv_field = 'ACTIVATE' CHANGING cs_maintain = rs_maintain ).
    ENDIF.
  ENDMETHOD.


  METHOD maintain_dates.
    DATA ls_appointment TYPE ty_appointment.

    " One date type carries both: start = TIMESTAMP_FROM, due = TIMESTAMP_TO. A missing end takes the
    " other end's value (the date type needs both); to_task reads from = to back as "no start".
    ls_appointment-appt_type = gc_date_type.
    ls_appointment-timestamp_from = is_task-task_start_date_time.
    ls_appointment-timestamp_to = is_task-task_due_date_time.
    IF ls_appointment-timestamp_from IS INITIAL.
      ls_appointment-timestamp_from = ls_appointment-timestamp_to.
    ENDIF.
    IF ls_appointment-timestamp_to IS INITIAL.
      ls_appointment-timestamp_to = ls_appointment-timestamp_from.
    ENDIF.
    ls_appointment-timezone_from = is_task-activity_time_zone.
    ls_appointment-timezone_to = is_task-activity_time_zone.
    IF ls_appointment-timezone_from IS INITIAL.
      ls_appointment-timezone_from = 'UTC'.
      ls_appointment-timezone_to = 'UTC'.
    ENDIF.
    APPEND ls_appointment TO cs_maintain-appointments.
    add_input( EXPORTING iv_object = 'APPOINTMENT' iv_key = gc_date_type iv_field = 'TIMESTAMP_FROM'
               CHANGING cs_maintain = cs_maintain ).
    add_input( EXPORTING iv_object = 'APPOINTMENT' iv_key = gc_date_type iv_field = 'TIMEZONE_FROM'
               CHANGING cs_maintain = cs_maintain ).
    add_input( EXPORTING iv_object = 'APPOINTMENT' iv_key = gc_date_type iv_field = 'TIMESTAMP_TO'
               CHANGING cs_maintain = cs_maintain ).
    add_input( EXPORTING iv_object = 'APPOINTMENT' iv_key = gc_date_type iv_field = 'TIMEZONE_TO'
               CHANGING cs_maintain = cs_maintain ).
  ENDMETHOD.


  METHOD add_partner.
    DATA ls_partner TYPE ty_order_partner.
    DATA lv_key TYPE string.

    IF iv_delete = abap_true.
      " An existing partner is removed by naming it (REF_ fields, the same layout as the logical key)
      " and maintaining no field of it.
      ls_partner-ref_partner_fct = is_partner-partner_function.
      ls_partner-ref_partner_no = alpha_in( is_partner-business_partner ).
      ls_partner-ref_no_type = gc_bp_no_type.
      ls_partner-ref_display_type = gc_bp_no_type.
      ls_partner-kind_of_entry = 'C'.
      APPEND ls_partner TO cs_maintain-partners.
      add_input( EXPORTING iv_object = 'PARTNER' iv_key = partner_key( ls_partner ) iv_field = ''
                 CHANGING cs_maintain = cs_maintain ).
      RETURN.
    ENDIF.
    " A new partner is numbered within the request; the number is the logical key of its fields.
    ls_partner-ref_partner_handle = lines( cs_maintain-partners ) + 1.
    ls_partner-partner_fct = is_partner-partner_function.
    ls_partner-partner_no = alpha_in( is_partner-business_partner ).
    ls_partner-no_type = gc_bp_no_type.
    ls_partner-display_type = gc_bp_no_type.
    ls_partner-kind_of_entry = 'C'.
    ls_partner-mainpartner = is_partner-is_main_partner.
    APPEND ls_partner TO cs_maintain-partners.
    lv_key = ls_partner-ref_partner_handle.
    add_input( EXPORTING iv_object = 'PARTNER' iv_key = lv_key iv_field = 'PARTNER_FCT' CHANGING cs_maintain = cs_maintain ).
    add_input( EXPORTING iv_object = 'PARTNER' iv_key = lv_key iv_field = 'PARTNER_NO' CHANGING cs_maintain = cs_maintain ).
    add_input( EXPORTING iv_object = 'PARTNER' iv_key = lv_key iv_field = 'DISPLAY_TYPE' CHANGING cs_maintain = cs_maintain ).
    add_input( EXPORTING iv_object = 'PARTNER' iv_key = lv_key iv_field = 'NO_TYPE' CHANGING cs_maintain = cs_maintain ).
    add_input( EXPORTING iv_object = 'PARTNER' iv_key = lv_key iv_field = 'KIND_OF_ENTRY' CHANGING cs_maintain = cs_maintain ).
    add_input( EXPORTING iv_object = 'PARTNER' iv_key = lv_key iv_field = 'MAINPARTNER' CHANGING cs_maintain = cs_maintain ).
  ENDMETHOD.


  METHOD add_text.
    DATA ls_text TYPE ty_order_text.

    ls_text-tdid = is_text-long_text_id.
    ls_text-tdspras_iso = to_upper( is_text-language ).
    ls_text-lines = to_lines( is_text-long_text ).
    APPEND ls_text TO cs_maintain-texts.
    " The logical key of a text is its text ID followed by the language (the gateway puts in SPRAS).
    add_input( EXPORTING iv_object = 'TEXTS' iv_key = |{ ls_text-tdid }{ ls_text-tdspras_iso }| iv_field = 'LINES'
               CHANGING cs_maintain = cs_maintain ).
  ENDMETHOD.


  METHOD partner_key.
    DATA lv_fct TYPE c LENGTH 8.
    DATA lv_no TYPE c LENGTH 32.
    DATA lv_no_type TYPE c LENGTH 2.
    DATA lv_display_type TYPE c LENGTH 2.

    lv_fct = is_partner-ref_partner_fct.
    lv_no = is_partner-ref_partner_no.
    lv_no_type = is_partner-ref_no_type.
    lv_display_type = is_partner-ref_display_type.
    " Fixed-width fields: the blanks of a short value belong to the key.
    rv_key = |{ is_partner-ref_partner_handle }{ lv_fct WIDTH = 8 }{ lv_no WIDTH = 32 }{ lv_no_type WIDTH = 2 }|
          && |{ lv_display_type WIDTH = 2 }|.
  ENDMETHOD.


  METHOD changed.
    IF iv_create = abap_true.
      rv_true = abap_true.
      RETURN.
    ENDIF.
    rv_true = boolc( line_exists( it_changed[ table_line = iv_property ] ) ).
  ENDMETHOD.


  METHOD add_input.
    DATA ls_input TYPE ty_input_field.
    FIELD-SYMBOLS <ls_input> TYPE ty_input_field.

    READ TABLE cs_maintain-input_fields ASSIGNING <ls_input> WITH KEY objectname = iv_object logical_key = iv_key.
    IF sy-subrc <> 0.
      ls_input-objectname = iv_object.
      ls_input-logical_key = iv_key.
      APPEND ls_input TO cs_maintain-input_fields ASSIGNING <ls_input>.
    ENDIF.
    IF iv_field IS NOT INITIAL.
      APPEND iv_field TO <ls_input>-field_names.
    ENDIF.
  ENDMETHOD.


  METHOD check.
    IF iv_create = abap_true AND is_task-activity_process_type IS INITIAL.
      APPEND `ActivityProcessType: required when a task is created` TO rt_messages.
    ENDIF.
    IF is_task-task_completion_percent > 100.
      APPEND `TaskCompletionPercent: 0 to 100` TO rt_messages.
    ENDIF.
    IF is_task-activity_priority IS NOT INITIAL AND is_task-activity_priority NA '0123456789'.
      APPEND `ActivityPriority: one digit` TO rt_messages.
    ENDIF.
    IF is_task-activity_status IS NOT INITIAL
        AND ( is_task-activity_status(1) <> 'E' OR is_digits( is_task-activity_status+1(4) ) = abap_false ).
      APPEND `ActivityStatus: a user status E0000 to E9999` TO rt_messages.
    ENDIF.
    IF is_task-task_start_date_time IS NOT INITIAL AND is_task-task_due_date_time IS NOT INITIAL
        AND is_task-task_start_date_time > is_task-task_due_date_time.
      APPEND `TaskDueDateTime: before TaskStartDateTime` TO rt_messages.
    ENDIF.
  ENDMETHOD.


  METHOD to_lines.
    DATA lt_paragraphs TYPE ty_names.
    DATA lv_rest TYPE string.
    DATA lv_cut TYPE i.
    DATA ls_line TYPE ty_line.
    FIELD-SYMBOLS <lv_paragraph> TYPE string.

    IF iv_text IS INITIAL.
      RETURN.
    ENDIF.
    lv_rest = replace( val = iv_text sub = |\r\n| with = |\n| occ = 0 ).
    SPLIT lv_rest AT |\n| INTO TABLE lt_paragraphs.
    LOOP AT lt_paragraphs ASSIGNING <lv_paragraph>.
      lv_rest = <lv_paragraph>.
      ls_line-tdformat = '*'.
      DO.
        lv_cut = nmin( val1 = strlen( lv_rest ) val2 = 132 ).
        " A line must not end in a blank (TDLINE is CHAR: trailing blanks are lost), so the blank moves
        " to the start of the next line, where it is kept.
        WHILE lv_cut > 1 AND lv_cut < strlen( lv_rest ) AND substring( val = lv_rest off = lv_cut - 1 len = 1 ) = ` `.
          lv_cut = lv_cut - 1.
        ENDWHILE.
        ls_line-tdline = substring( val = lv_rest len = lv_cut ).
        APPEND ls_line TO rt_lines.
        lv_rest = substring( val = lv_rest off = lv_cut ).
        IF lv_rest IS INITIAL.
          EXIT.
        ENDIF.
        ls_line-tdformat = '='.
      ENDDO.
    ENDLOOP.
  ENDMETHOD.


  METHOD from_lines.
    DATA lv_line TYPE string.
    FIELD-SYMBOLS <ls_line> TYPE ty_line.

    LOOP AT it_lines ASSIGNING <ls_line>.
      lv_line = <ls_line>-tdline.
      IF sy-tabix = 1.
        rv_text = lv_line.
        CONTINUE.
      ENDIF.
      CASE <ls_line>-tdformat.
        WHEN '='.
          rv_text = rv_text && lv_line.
        WHEN ' '.
          rv_text = |{ rv_text } { lv_line }|.
        WHEN OTHERS.
          rv_text = |{ rv_text }\n{ lv_line }|.
      ENDCASE.
    ENDLOOP.
  ENDMETHOD.


  METHOD alpha_in.
    DATA lv_value TYPE string.

    lv_value = condense( iv_partner ).
    IF is_digits( lv_value ) = abap_true AND strlen( lv_value ) < 10.
      rv_partner = |{ lv_value ALIGN = RIGHT PAD = '0' WIDTH = 10 }|.
    ELSE.
      rv_partner = lv_value.
    ENDIF.
  ENDMETHOD.


  METHOD alpha_out.
    rv_partner = condense( iv_partner ).
    IF is_digits( rv_partner ) = abap_true.
      SHIFT rv_partner LEFT DELETING LEADING '0'.
    ENDIF.
  ENDMETHOD.


  METHOD is_digits.
    rv_true = boolc( iv_value IS NOT INITIAL AND iv_value CO '0123456789' ).
  ENDMETHOD.

ENDCLASS.
