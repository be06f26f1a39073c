"! <p class="shorttext synchronized">Tandem: task service requests and changesets</p>
"! What the task service does for each OData request, free of Gateway types: the DPC_EXT hands over
"! keys, filter conditions and entities as plain ABAP and gets entities or ZCX_TANDEM_TASK back. The
"! one-order API is reached through ZIF_TANDEM_TASK_GATEWAY, so these rules run in ABAP Unit with a
"! test double, in SAP and in Node (npm test).
"! <ul><li>Lists need a selective condition (ActivityUUID, ActivityExternalReference, LastChangeDateTime;
"! for partners BusinessPartner or ActivityUUID), or no condition at all and $top of at most 100 (the
"! S/4 Test reads one entity of each set): the one-order tables are never scanned whole.</li>
"! <li>Every condition Gateway passed is then applied to the entities read, with select-option
"! semantics (OR within a property, AND between properties).</li>
"! <li>Writes go to the one-order buffer; outside a changeset each request is saved at once, inside one
"! everything is saved at its end (one LUW, all or nothing).</li></ul>
CLASS zcl_tandem_task_service DEFINITION PUBLIC FINAL CREATE PUBLIC.

  PUBLIC SECTION.
    "! One select-option line of a $filter, by OData property name
    TYPES:
      BEGIN OF ty_condition,
        property TYPE string,
        sign     TYPE c LENGTH 1,
        option   TYPE c LENGTH 2,
        low      TYPE string,
        high     TYPE string,
      END OF ty_condition,
      ty_conditions TYPE STANDARD TABLE OF ty_condition WITH DEFAULT KEY,
      ty_tasks      TYPE STANDARD TABLE OF zcl_tandem_task_map=>ty_task WITH DEFAULT KEY,
      "! Deep insert payload: the task with its partners and texts (navigations to_Partner, to_Text)
      BEGIN OF ty_deep_task.
        INCLUDE TYPE zcl_tandem_task_map=>ty_task.
    TYPES:
        to_partner TYPE zcl_tandem_task_map=>ty_partners,
        to_text    TYPE zcl_tandem_task_map=>ty_texts,
      END OF ty_deep_task.

    METHODS constructor
      IMPORTING
        io_gateway TYPE REF TO zif_tandem_task_gateway.

    METHODS get_task
      IMPORTING
        iv_guid        TYPE zcl_tandem_task_map=>ty_guid
      RETURNING
        VALUE(rs_task) TYPE zcl_tandem_task_map=>ty_task
      RAISING
        zcx_tandem_task.

    "! Tasks matching every condition, ordered by change time (then GUID), from iv_skip, at most iv_top (0 = all)
    METHODS get_tasks
      IMPORTING
        it_conditions   TYPE ty_conditions
        iv_top          TYPE i DEFAULT 0
        iv_skip         TYPE i DEFAULT 0
      RETURNING
        VALUE(rt_tasks) TYPE ty_tasks
      RAISING
        zcx_tandem_task.

    "! A list without any condition may show at most this many entities ($top)
    CONSTANTS gc_max_unfiltered TYPE i VALUE 100.

    "! Partners matching every condition; iv_guid set = the partners of that task (navigation to_Partner)
    METHODS get_partners
      IMPORTING
        it_conditions      TYPE ty_conditions
        iv_guid            TYPE zcl_tandem_task_map=>ty_guid OPTIONAL
        iv_top             TYPE i DEFAULT 0
      RETURNING
        VALUE(rt_partners) TYPE zcl_tandem_task_map=>ty_partners
      RAISING
        zcx_tandem_task.

    METHODS get_partner
      IMPORTING
        is_key            TYPE zcl_tandem_task_map=>ty_partner
      RETURNING
        VALUE(rs_partner) TYPE zcl_tandem_task_map=>ty_partner
      RAISING
        zcx_tandem_task.

    METHODS get_texts
      IMPORTING
        iv_guid         TYPE zcl_tandem_task_map=>ty_guid
      RETURNING
        VALUE(rt_texts) TYPE zcl_tandem_task_map=>ty_texts
      RAISING
        zcx_tandem_task.

    "! Texts of the tasks the conditions name (ActivityUUID eq), or of the first tasks ($top, no condition)
    METHODS get_text_list
      IMPORTING
        it_conditions   TYPE ty_conditions
        iv_top          TYPE i DEFAULT 0
      RETURNING
        VALUE(rt_texts) TYPE zcl_tandem_task_map=>ty_texts
      RAISING
        zcx_tandem_task.

    METHODS get_text
      IMPORTING
        is_key         TYPE zcl_tandem_task_map=>ty_text
      RETURNING
        VALUE(rs_text) TYPE zcl_tandem_task_map=>ty_text
      RAISING
        zcx_tandem_task.

    "! Deep insert: the task, its partners and texts in one go
    METHODS create_task
      IMPORTING
        is_task        TYPE ty_deep_task
      RETURNING
        VALUE(rs_task) TYPE zcl_tandem_task_map=>ty_task
      RAISING
        zcx_tandem_task.

    "! PUT, or MERGE after Gateway applied the request to the current entity: is_task is the whole new
    "! state; what differs from the current task is written
    METHODS update_task
      IMPORTING
        is_task        TYPE zcl_tandem_task_map=>ty_task
      RETURNING
        VALUE(rs_task) TYPE zcl_tandem_task_map=>ty_task
      RAISING
        zcx_tandem_task.

    METHODS delete_task
      IMPORTING
        iv_guid TYPE zcl_tandem_task_map=>ty_guid
      RAISING
        zcx_tandem_task.

    METHODS create_partner
      IMPORTING
        is_partner        TYPE zcl_tandem_task_map=>ty_partner
      RETURNING
        VALUE(rs_partner) TYPE zcl_tandem_task_map=>ty_partner
      RAISING
        zcx_tandem_task.

    "! Only IsMainPartner can change (the other properties are the key)
    METHODS update_partner
      IMPORTING
        is_partner        TYPE zcl_tandem_task_map=>ty_partner
      RETURNING
        VALUE(rs_partner) TYPE zcl_tandem_task_map=>ty_partner
      RAISING
        zcx_tandem_task.

    METHODS delete_partner
      IMPORTING
        is_partner TYPE zcl_tandem_task_map=>ty_partner
      RAISING
        zcx_tandem_task.

    "! Creates or replaces a text (POST through to_Text, PUT, MERGE)
    METHODS write_text
      IMPORTING
        is_text        TYPE zcl_tandem_task_map=>ty_text
      RETURNING
        VALUE(rs_text) TYPE zcl_tandem_task_map=>ty_text
      RAISING
        zcx_tandem_task.

    METHODS delete_text
      IMPORTING
        is_text TYPE zcl_tandem_task_map=>ty_text
      RAISING
        zcx_tandem_task.

    "! $batch changeset: writes wait for end_changeset and are saved in one LUW
    METHODS begin_changeset.

    METHODS end_changeset
      RAISING
        zcx_tandem_task.

    "! Discards the writes of a failed changeset
    METHODS abort_changeset.

    "! Whether a record (task, partner or text) satisfies the conditions, by the model's ABAP field names
    CLASS-METHODS matches
      IMPORTING
        is_record      TYPE any
        iv_entity_set  TYPE string
        it_conditions  TYPE ty_conditions
      RETURNING
        VALUE(rv_true) TYPE abap_bool
      RAISING
        zcx_tandem_task.

  PRIVATE SECTION.
    DATA mo_gateway TYPE REF TO zif_tandem_task_gateway.
    DATA mv_in_changeset TYPE abap_bool.
    DATA mt_pending TYPE zif_tandem_task_gateway=>ty_guids.

    METHODS read_order
      IMPORTING
        iv_guid         TYPE zcl_tandem_task_map=>ty_guid
      RETURNING
        VALUE(rs_order) TYPE zcl_tandem_task_map=>ty_order
      RAISING
        zcx_tandem_task.

    METHODS unfiltered
      IMPORTING
        iv_entity_set   TYPE string
        iv_count        TYPE i
      RETURNING
        VALUE(rt_guids) TYPE zif_tandem_task_gateway=>ty_guids
      RAISING
        zcx_tandem_task.

    METHODS candidates
      IMPORTING
        it_conditions   TYPE ty_conditions
        iv_top          TYPE i
        iv_skip         TYPE i
      RETURNING
        VALUE(rt_guids) TYPE zif_tandem_task_gateway=>ty_guids
      RAISING
        zcx_tandem_task.

    METHODS partner_candidates
      IMPORTING
        it_conditions   TYPE ty_conditions
      RETURNING
        VALUE(rt_guids) TYPE zif_tandem_task_gateway=>ty_guids
      RAISING
        zcx_tandem_task.

    METHODS written
      IMPORTING
        iv_guid TYPE zcl_tandem_task_map=>ty_guid
      RAISING
        zcx_tandem_task.

    METHODS maintain_dependents
      IMPORTING
        iv_guid     TYPE zcl_tandem_task_map=>ty_guid
        is_maintain TYPE zcl_tandem_task_map=>ty_maintain
      RAISING
        zcx_tandem_task.

    CLASS-METHODS changed_properties
      IMPORTING
        is_old          TYPE zcl_tandem_task_map=>ty_task
        is_new          TYPE zcl_tandem_task_map=>ty_task
      RETURNING
        VALUE(rt_names) TYPE zcl_tandem_task_map=>ty_names.

    CLASS-METHODS equal_values
      IMPORTING
        it_conditions   TYPE ty_conditions
        iv_property     TYPE string
      RETURNING
        VALUE(rt_values) TYPE zcl_tandem_task_map=>ty_names.

    CLASS-METHODS satisfies
      IMPORTING
        iv_value       TYPE any
        is_condition   TYPE ty_condition
      RETURNING
        VALUE(rv_true) TYPE abap_bool
      RAISING
        zcx_tandem_task.

    CLASS-METHODS fail
      IMPORTING
        iv_status TYPE i
        iv_text   TYPE string
      RAISING
        zcx_tandem_task.
ENDCLASS.



CLASS zcl_tandem_task_service IMPLEMENTATION.

  METHOD constructor.
    mo_gateway = io_gateway.
  ENDMETHOD.


  METHOD get_task.
    rs_task = zcl_tandem_task_map=>to_task( read_order( iv_guid ) ).
  ENDMETHOD.


  METHOD read_order.
    DATA lt_guids TYPE zif_tandem_task_gateway=>ty_guids.
    DATA lt_orders TYPE zif_tandem_task_gateway=>ty_orders.

    APPEND iv_guid TO lt_guids.
    lt_orders = mo_gateway->read( lt_guids ).
    READ TABLE lt_orders INTO rs_order INDEX 1.
    IF sy-subrc <> 0.
      fail( iv_status = zcx_tandem_task=>gc_status-not_found iv_text = |Task { iv_guid } does not exist| ).
    ENDIF.
  ENDMETHOD.


  METHOD get_tasks.
    DATA lt_orders TYPE zif_tandem_task_gateway=>ty_orders.
    DATA ls_task TYPE zcl_tandem_task_map=>ty_task.
    DATA lt_all TYPE ty_tasks.
    FIELD-SYMBOLS <ls_order> TYPE zcl_tandem_task_map=>ty_order.

    lt_orders = mo_gateway->read( candidates( it_conditions = it_conditions iv_top = iv_top iv_skip = iv_skip ) ).
    LOOP AT lt_orders ASSIGNING <ls_order>.
      ls_task = zcl_tandem_task_map=>to_task( <ls_order> ).
      IF matches( is_record = ls_task iv_entity_set = zcl_tandem_task_map=>gc_entity_set-task
                  it_conditions = it_conditions ) = abap_true.
        APPEND ls_task TO lt_all.
      ENDIF.
    ENDLOOP.
    " A stable order, so that $top/$skip pages neither repeat nor miss a task.
    SORT lt_all BY last_change_date_time ASCENDING activity_uuid ASCENDING.
    LOOP AT lt_all INTO ls_task FROM iv_skip + 1.
      IF iv_top > 0 AND lines( rt_tasks ) >= iv_top.
        EXIT.
      ENDIF.
      APPEND ls_task TO rt_tasks.
    ENDLOOP.
  ENDMETHOD.


  METHOD candidates.
    DATA lt_values TYPE zcl_tandem_task_map=>ty_names.
    DATA lv_guid TYPE zcl_tandem_task_map=>ty_guid.
    DATA lv_since TYPE zcl_tandem_task_map=>ty_timestamp.
    FIELD-SYMBOLS <lv_value> TYPE string.
    FIELD-SYMBOLS <ls_condition> TYPE ty_condition.

    IF it_conditions IS INITIAL.
      rt_guids = unfiltered( iv_entity_set = zcl_tandem_task_map=>gc_entity_set-task iv_count = iv_top + iv_skip ).
      RETURN.
    ENDIF.
    lt_values = equal_values( it_conditions = it_conditions iv_property = `ActivityUUID` ).
    IF lt_values IS NOT INITIAL.
      LOOP AT lt_values ASSIGNING <lv_value>.
        lv_guid = <lv_value>.
        APPEND lv_guid TO rt_guids.
      ENDLOOP.
      RETURN.
    ENDIF.
    lt_values = equal_values( it_conditions = it_conditions iv_property = `ActivityExternalReference` ).
    IF lt_values IS NOT INITIAL.
      rt_guids = mo_gateway->find_by_reference( lt_values ).
      RETURN.
    ENDIF.
    LOOP AT it_conditions ASSIGNING <ls_condition>
        WHERE property = `LastChangeDateTime` AND sign = 'I' AND ( option = 'GE' OR option = 'GT' ).
      lv_since = <ls_condition>-low.
      rt_guids = mo_gateway->find_changed_since( lv_since ).
      RETURN.
    ENDLOOP.
    fail( iv_status = zcx_tandem_task=>gc_status-bad_request
          iv_text   = `Filter TaskActivity by ActivityUUID, ActivityExternalReference (eq) or LastChangeDateTime (ge)` ).
  ENDMETHOD.


  METHOD unfiltered.
    IF iv_count < 1 OR iv_count > gc_max_unfiltered.
      fail( iv_status = zcx_tandem_task=>gc_status-bad_request
            iv_text   = |{ iv_entity_set } without $filter: give $top (at most { gc_max_unfiltered })| ).
    ENDIF.
    rt_guids = mo_gateway->first_tasks( iv_count ).
  ENDMETHOD.


  METHOD equal_values.
    " The values of a property that only 'eq' conditions name (ActivityUUID eq a or ActivityUUID eq b).
    FIELD-SYMBOLS <ls_condition> TYPE ty_condition.

    LOOP AT it_conditions ASSIGNING <ls_condition> WHERE property = iv_property.
      IF <ls_condition>-sign <> 'I' OR <ls_condition>-option <> 'EQ'.
        CLEAR rt_values.
        RETURN.
      ENDIF.
      APPEND <ls_condition>-low TO rt_values.
    ENDLOOP.
  ENDMETHOD.


  METHOD get_partners.
    DATA lt_guids TYPE zif_tandem_task_gateway=>ty_guids.
    DATA lt_orders TYPE zif_tandem_task_gateway=>ty_orders.
    DATA lt_partners TYPE zcl_tandem_task_map=>ty_partners.
    FIELD-SYMBOLS <ls_order> TYPE zcl_tandem_task_map=>ty_order.
    FIELD-SYMBOLS <ls_partner> TYPE zcl_tandem_task_map=>ty_partner.

    IF iv_guid IS NOT INITIAL.
      APPEND iv_guid TO lt_guids.
    ELSEIF it_conditions IS INITIAL.
      lt_guids = unfiltered( iv_entity_set = zcl_tandem_task_map=>gc_entity_set-partner iv_count = iv_top ).
    ELSE.
      lt_guids = partner_candidates( it_conditions ).
    ENDIF.
    lt_orders = mo_gateway->read( lt_guids ).
    LOOP AT lt_orders ASSIGNING <ls_order>.
      lt_partners = zcl_tandem_task_map=>to_partners( <ls_order> ).
      LOOP AT lt_partners ASSIGNING <ls_partner>.
        IF iv_top > 0 AND lines( rt_partners ) >= iv_top.
          RETURN.
        ENDIF.
        IF matches( is_record = <ls_partner> iv_entity_set = zcl_tandem_task_map=>gc_entity_set-partner
                    it_conditions = it_conditions ) = abap_true.
          APPEND <ls_partner> TO rt_partners.
        ENDIF.
      ENDLOOP.
    ENDLOOP.
  ENDMETHOD.


  METHOD partner_candidates.
    DATA lt_values TYPE zcl_tandem_task_map=>ty_names.
    DATA lt_functions TYPE zif_tandem_task_gateway=>ty_partner_functions.
    DATA lv_partner TYPE string.
    DATA lv_guid TYPE zcl_tandem_task_map=>ty_guid.
    FIELD-SYMBOLS <lv_value> TYPE string.

    lt_values = equal_values( it_conditions = it_conditions iv_property = `ActivityUUID` ).
    IF lt_values IS NOT INITIAL.
      LOOP AT lt_values ASSIGNING <lv_value>.
        lv_guid = <lv_value>.
        APPEND lv_guid TO rt_guids.
      ENDLOOP.
      RETURN.
    ENDIF.
    lt_values = equal_values( it_conditions = it_conditions iv_property = `BusinessPartner` ).
    IF lines( lt_values ) <> 1.
      fail( iv_status = zcx_tandem_task=>gc_status-bad_request
            iv_text   = `Filter TaskActivityPartner by one BusinessPartner (eq) or by ActivityUUID` ).
    ENDIF.
    READ TABLE lt_values INTO lv_partner INDEX 1.
    lt_values = equal_values( it_conditions = it_conditions iv_property = `PartnerFunction` ).
    LOOP AT lt_values ASSIGNING <lv_value>.
      APPEND <lv_value> TO lt_functions.
    ENDLOOP.
    rt_guids = mo_gateway->find_by_partner( iv_partner = lv_partner it_functions = lt_functions ).
  ENDMETHOD.


  METHOD get_partner.
    DATA lt_partners TYPE zcl_tandem_task_map=>ty_partners.
    DATA lt_none TYPE ty_conditions.

    lt_partners = get_partners( it_conditions = lt_none iv_guid = is_key-activity_uuid ).
    READ TABLE lt_partners INTO rs_partner WITH KEY partner_function = is_key-partner_function
                                                    business_partner = is_key-business_partner.
    IF sy-subrc <> 0.
      fail( iv_status = zcx_tandem_task=>gc_status-not_found
            iv_text   = |Task { is_key-activity_uuid } has no partner { is_key-business_partner } in { is_key-partner_function }| ).
    ENDIF.
  ENDMETHOD.


  METHOD get_texts.
    rt_texts = zcl_tandem_task_map=>to_texts( read_order( iv_guid ) ).
  ENDMETHOD.


  METHOD get_text_list.
    DATA lt_values TYPE zcl_tandem_task_map=>ty_names.
    DATA lt_guids TYPE zif_tandem_task_gateway=>ty_guids.
    DATA lv_guid TYPE zcl_tandem_task_map=>ty_guid.
    DATA lt_orders TYPE zif_tandem_task_gateway=>ty_orders.
    DATA lt_texts TYPE zcl_tandem_task_map=>ty_texts.
    FIELD-SYMBOLS <lv_value> TYPE string.
    FIELD-SYMBOLS <ls_order> TYPE zcl_tandem_task_map=>ty_order.
    FIELD-SYMBOLS <ls_text> TYPE zcl_tandem_task_map=>ty_text.

    IF it_conditions IS INITIAL.
      lt_guids = unfiltered( iv_entity_set = zcl_tandem_task_map=>gc_entity_set-text iv_count = iv_top ).
    ELSE.
      lt_values = equal_values( it_conditions = it_conditions iv_property = `ActivityUUID` ).
      IF lt_values IS INITIAL.
        fail( iv_status = zcx_tandem_task=>gc_status-bad_request
              iv_text   = `Filter TaskActivityText by ActivityUUID (eq), or read TaskActivity(guid'…')/to_Text` ).
      ENDIF.
      LOOP AT lt_values ASSIGNING <lv_value>.
        lv_guid = <lv_value>.
        APPEND lv_guid TO lt_guids.
      ENDLOOP.
    ENDIF.
    lt_orders = mo_gateway->read( lt_guids ).
    LOOP AT lt_orders ASSIGNING <ls_order>.
      lt_texts = zcl_tandem_task_map=>to_texts( <ls_order> ).
      LOOP AT lt_texts ASSIGNING <ls_text>.
        IF iv_top > 0 AND lines( rt_texts ) >= iv_top.
          RETURN.
        ENDIF.
        IF matches( is_record = <ls_text> iv_entity_set = zcl_tandem_task_map=>gc_entity_set-text
                    it_conditions = it_conditions ) = abap_true.
          APPEND <ls_text> TO rt_texts.
        ENDIF.
      ENDLOOP.
    ENDLOOP.
  ENDMETHOD.


  METHOD get_text.
    DATA lt_texts TYPE zcl_tandem_task_map=>ty_texts.

    lt_texts = get_texts( is_key-activity_uuid ).
    READ TABLE lt_texts INTO rs_text WITH KEY long_text_id = is_key-long_text_id language = to_upper( is_key-language ).
    IF sy-subrc <> 0.
      fail( iv_status = zcx_tandem_task=>gc_status-not_found
            iv_text   = |Task { is_key-activity_uuid } has no text { is_key-long_text_id } in { is_key-language }| ).
    ENDIF.
  ENDMETHOD.


  METHOD create_task.
    DATA ls_task TYPE zcl_tandem_task_map=>ty_task.
    DATA lt_messages TYPE zcl_tandem_task_map=>ty_names.
    DATA lt_none TYPE zcl_tandem_task_map=>ty_names.
    DATA ls_maintain TYPE zcl_tandem_task_map=>ty_maintain.
    DATA lv_guid TYPE zcl_tandem_task_map=>ty_guid.
    DATA lv_empty TYPE zcl_tandem_task_map=>ty_guid.
    FIELD-SYMBOLS <ls_partner> TYPE zcl_tandem_task_map=>ty_partner.
    FIELD-SYMBOLS <ls_text> TYPE zcl_tandem_task_map=>ty_text.

    MOVE-CORRESPONDING is_task TO ls_task.
    lt_messages = zcl_tandem_task_map=>check( is_task = ls_task iv_create = abap_true ).
    IF lt_messages IS NOT INITIAL.
      fail( iv_status = zcx_tandem_task=>gc_status-bad_request iv_text = concat_lines_of( table = lt_messages sep = `; ` ) ).
    ENDIF.
    ls_maintain = zcl_tandem_task_map=>to_maintain(
      is_task           = ls_task
      it_changed        = lt_none
      iv_status_profile = mo_gateway->status_profile( ls_task-activity_process_type )
      iv_create         = abap_true ).
    LOOP AT is_task-to_partner ASSIGNING <ls_partner>.
      zcl_tandem_task_map=>add_partner( EXPORTING is_partner = <ls_partner> CHANGING cs_maintain = ls_maintain ).
    ENDLOOP.
    LOOP AT is_task-to_text ASSIGNING <ls_text>.
      zcl_tandem_task_map=>add_text( EXPORTING is_text = <ls_text> CHANGING cs_maintain = ls_maintain ).
    ENDLOOP.
    lv_guid = mo_gateway->maintain( iv_guid = lv_empty is_maintain = ls_maintain
                                    iv_external_reference = ls_task-activity_external_reference ).
    written( lv_guid ).
    rs_task = get_task( lv_guid ).
  ENDMETHOD.


  METHOD update_task.
    DATA ls_current TYPE zcl_tandem_task_map=>ty_task.
    DATA lt_changed TYPE zcl_tandem_task_map=>ty_names.
    DATA lt_messages TYPE zcl_tandem_task_map=>ty_names.
    DATA ls_maintain TYPE zcl_tandem_task_map=>ty_maintain.

    ls_current = get_task( is_task-activity_uuid ).
    lt_changed = changed_properties( is_old = ls_current is_new = is_task ).
    IF line_exists( lt_changed[ table_line = `ActivityProcessType` ] ).
      fail( iv_status = zcx_tandem_task=>gc_status-bad_request iv_text = `ActivityProcessType: set on create only` ).
    ENDIF.
    lt_messages = zcl_tandem_task_map=>check( is_task ).
    IF lt_messages IS NOT INITIAL.
      fail( iv_status = zcx_tandem_task=>gc_status-bad_request iv_text = concat_lines_of( table = lt_messages sep = `; ` ) ).
    ENDIF.
    IF lt_changed IS INITIAL.
      rs_task = ls_current.
      RETURN.
    ENDIF.
    ls_maintain = zcl_tandem_task_map=>to_maintain(
      is_task           = is_task
      it_changed        = lt_changed
      iv_status_profile = mo_gateway->status_profile( ls_current-activity_process_type ) ).
    IF line_exists( lt_changed[ table_line = `ActivityExternalReference` ] ).
      mo_gateway->maintain( iv_guid = is_task-activity_uuid is_maintain = ls_maintain
                            iv_external_reference = is_task-activity_external_reference ).
    ELSE.
      mo_gateway->maintain( iv_guid = is_task-activity_uuid is_maintain = ls_maintain ).
    ENDIF.
    written( is_task-activity_uuid ).
    rs_task = get_task( is_task-activity_uuid ).
  ENDMETHOD.


  METHOD changed_properties.
    " The writable properties whose value differs; computed ones (Activity, change stamps) never count.
    DATA lt_properties TYPE zcl_tandem_task_map=>ty_properties.
    FIELD-SYMBOLS <ls_property> TYPE zcl_tandem_task_map=>ty_property.
    FIELD-SYMBOLS <lv_old> TYPE any.
    FIELD-SYMBOLS <lv_new> TYPE any.

    lt_properties = zcl_tandem_task_map=>model( ).
    LOOP AT lt_properties ASSIGNING <ls_property>
        WHERE entity_set = zcl_tandem_task_map=>gc_entity_set-task AND creatable = abap_true AND is_key = abap_false.
      ASSIGN COMPONENT <ls_property>-abap_field OF STRUCTURE is_old TO <lv_old>.
      ASSIGN COMPONENT <ls_property>-abap_field OF STRUCTURE is_new TO <lv_new>.
      IF <lv_old> <> <lv_new>.
        APPEND <ls_property>-name TO rt_names.
      ENDIF.
    ENDLOOP.
  ENDMETHOD.


  METHOD delete_task.
    read_order( iv_guid ).
    mo_gateway->delete( iv_guid ).
    written( iv_guid ).
  ENDMETHOD.


  METHOD create_partner.
    DATA ls_maintain TYPE zcl_tandem_task_map=>ty_maintain.
    DATA lt_partners TYPE zcl_tandem_task_map=>ty_partners.
    DATA lt_none TYPE ty_conditions.

    IF is_partner-partner_function IS INITIAL OR is_partner-business_partner IS INITIAL.
      fail( iv_status = zcx_tandem_task=>gc_status-bad_request iv_text = `PartnerFunction and BusinessPartner: required` ).
    ENDIF.
    lt_partners = get_partners( it_conditions = lt_none iv_guid = is_partner-activity_uuid ).
    IF line_exists( lt_partners[ partner_function = is_partner-partner_function
                                 business_partner = is_partner-business_partner ] ).
      fail( iv_status = zcx_tandem_task=>gc_status-conflict
            iv_text   = |Task { is_partner-activity_uuid } has partner { is_partner-business_partner } already| ).
    ENDIF.
    zcl_tandem_task_map=>add_partner( EXPORTING is_partner = is_partner CHANGING cs_maintain = ls_maintain ).
    maintain_dependents( iv_guid = is_partner-activity_uuid is_maintain = ls_maintain ).
    rs_partner = get_partner( is_partner ).
  ENDMETHOD.


  METHOD update_partner.
    DATA ls_current TYPE zcl_tandem_task_map=>ty_partner.
    DATA ls_maintain TYPE zcl_tandem_task_map=>ty_maintain.

    ls_current = get_partner( is_partner ).
    IF ls_current-is_main_partner = is_partner-is_main_partner.
      rs_partner = ls_current.
      RETURN.
    ENDIF.
    " The main-partner flag is part of the partner entry: the entry is replaced in the same request.
    zcl_tandem_task_map=>add_partner( EXPORTING is_partner = ls_current iv_delete = abap_true
                                      CHANGING cs_maintain = ls_maintain ).
    zcl_tandem_task_map=>add_partner( EXPORTING is_partner = is_partner CHANGING cs_maintain = ls_maintain ).
    maintain_dependents( iv_guid = is_partner-activity_uuid is_maintain = ls_maintain ).
    rs_partner = get_partner( is_partner ).
  ENDMETHOD.


  METHOD delete_partner.
    DATA ls_maintain TYPE zcl_tandem_task_map=>ty_maintain.

    get_partner( is_partner ).
    zcl_tandem_task_map=>add_partner( EXPORTING is_partner = is_partner iv_delete = abap_true
                                      CHANGING cs_maintain = ls_maintain ).
    maintain_dependents( iv_guid = is_partner-activity_uuid is_maintain = ls_maintain ).
  ENDMETHOD.


  METHOD write_text.
    DATA ls_maintain TYPE zcl_tandem_task_map=>ty_maintain.

    IF is_text-long_text_id IS INITIAL OR is_text-language IS INITIAL.
      fail( iv_status = zcx_tandem_task=>gc_status-bad_request iv_text = `LongTextID and Language: required` ).
    ENDIF.
    read_order( is_text-activity_uuid ).
    zcl_tandem_task_map=>add_text( EXPORTING is_text = is_text CHANGING cs_maintain = ls_maintain ).
    maintain_dependents( iv_guid = is_text-activity_uuid is_maintain = ls_maintain ).
    rs_text = get_text( is_text ).
  ENDMETHOD.


  METHOD delete_text.
    DATA ls_maintain TYPE zcl_tandem_task_map=>ty_maintain.
    DATA ls_empty TYPE zcl_tandem_task_map=>ty_text.

    get_text( is_text ).
    " A text without lines is deleted by the one-order API.
    ls_empty = is_text.
    CLEAR ls_empty-long_text.
    zcl_tandem_task_map=>add_text( EXPORTING is_text = ls_empty CHANGING cs_maintain = ls_maintain ).
    maintain_dependents( iv_guid = is_text-activity_uuid is_maintain = ls_maintain ).
  ENDMETHOD.


  METHOD maintain_dependents.
    mo_gateway->maintain( iv_guid = iv_guid is_maintain = is_maintain ).
    written( iv_guid ).
  ENDMETHOD.


  METHOD written.
    IF NOT line_exists( mt_pending[ table_line = iv_guid ] ).
      APPEND iv_guid TO mt_pending.
    ENDIF.
    IF mv_in_changeset = abap_false.
      end_changeset( ).
    ENDIF.
  ENDMETHOD.


  METHOD begin_changeset.
    mv_in_changeset = abap_true.
    CLEAR mt_pending.
  ENDMETHOD.


  METHOD end_changeset.
    DATA lt_guids TYPE zif_tandem_task_gateway=>ty_guids.

    mv_in_changeset = abap_false.
    lt_guids = mt_pending.
    CLEAR mt_pending.
    IF lt_guids IS NOT INITIAL.
      mo_gateway->save( lt_guids ).
    ENDIF.
  ENDMETHOD.


  METHOD abort_changeset.
    mv_in_changeset = abap_false.
    CLEAR mt_pending.
    mo_gateway->discard( ).
  ENDMETHOD.


  METHOD matches.
    DATA lt_properties TYPE zcl_tandem_task_map=>ty_properties.
    DATA ls_property TYPE zcl_tandem_task_map=>ty_property.
    DATA lt_named TYPE SORTED TABLE OF string WITH UNIQUE KEY table_line.
    DATA lv_included TYPE abap_bool.
    DATA lv_has_include TYPE abap_bool.
    FIELD-SYMBOLS <ls_condition> TYPE ty_condition.
    FIELD-SYMBOLS <lv_property> TYPE string.
    FIELD-SYMBOLS <lv_value> TYPE any.

    rv_true = abap_true.
    lt_properties = zcl_tandem_task_map=>model( ).
    LOOP AT it_conditions ASSIGNING <ls_condition>.
      INSERT <ls_condition>-property INTO TABLE lt_named.
    ENDLOOP.
    LOOP AT lt_named ASSIGNING <lv_property>.
      READ TABLE lt_properties INTO ls_property WITH KEY entity_set = iv_entity_set name = <lv_property>.
      IF sy-subrc <> 0.
        fail( iv_status = zcx_tandem_task=>gc_status-bad_request iv_text = |{ iv_entity_set } has no property { <lv_property> }| ).
      ENDIF.
      ASSIGN COMPONENT ls_property-abap_field OF STRUCTURE is_record TO <lv_value>.
      " Select-option semantics per property: some 'I' line holds (if there is one), no 'E' line holds.
      lv_included = abap_false.
      lv_has_include = abap_false.
      LOOP AT it_conditions ASSIGNING <ls_condition> WHERE property = <lv_property>.
        IF <ls_condition>-sign = 'E'.
          IF satisfies( iv_value = <lv_value> is_condition = <ls_condition> ) = abap_true.
            rv_true = abap_false.
            RETURN.
          ENDIF.
        ELSE.
          lv_has_include = abap_true.
          IF satisfies( iv_value = <lv_value> is_condition = <ls_condition> ) = abap_true.
            lv_included = abap_true.
          ENDIF.
        ENDIF.
      ENDLOOP.
      IF lv_has_include = abap_true AND lv_included = abap_false.
        rv_true = abap_false.
        RETURN.
      ENDIF.
    ENDLOOP.
  ENDMETHOD.


  METHOD satisfies.
    " The condition's values are converted to the field's own type first, so that GUIDs (hex), time
    " stamps (YYYYMMDDhhmmss; empty for null) and flags compare as S/4 stores them.
    DATA lr_low TYPE REF TO data.
    DATA lr_high TYPE REF TO data.
    FIELD-SYMBOLS <lv_low> TYPE any.
    FIELD-SYMBOLS <lv_high> TYPE any.

    CREATE DATA lr_low LIKE iv_value.
    ASSIGN lr_low->* TO <lv_low>.
    <lv_low> = is_condition-low.
    CREATE DATA lr_high LIKE iv_value.
    ASSIGN lr_high->* TO <lv_high>.
    <lv_high> = is_condition-high.
    CASE is_condition-option.
      WHEN 'EQ'.
        rv_true = boolc( iv_value = <lv_low> ).
      WHEN 'NE'.
        rv_true = boolc( iv_value <> <lv_low> ).
      WHEN 'GE'.
        rv_true = boolc( iv_value >= <lv_low> ).
      WHEN 'GT'.
        rv_true = boolc( iv_value > <lv_low> ).
      WHEN 'LE'.
        rv_true = boolc( iv_value <= <lv_low> ).
      WHEN 'LT'.
        rv_true = boolc( iv_value < <lv_low> ).
      WHEN 'BT'.
        rv_true = boolc( iv_value >= <lv_low> AND iv_value <= <lv_high> ).
      WHEN OTHERS.
        fail( iv_status = zcx_tandem_task=>gc_status-not_implemented
              iv_text   = |Filter operator { is_condition-option } is not supported on { is_condition-property }| ).
    ENDCASE.
  ENDMETHOD.


  METHOD fail.
    RAISE EXCEPTION TYPE zcx_tandem_task
      EXPORTING
        iv_status = iv_status
        iv_text   = iv_text.
  ENDMETHOD.

ENDCLASS.
